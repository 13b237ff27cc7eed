import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../support/cli';
import { createChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const HOST = 'mx.test.example';
const DAY_MS = 86_400_000;

describe('certwatch timeline --out (real store, real servers; PNG through Debian Chromium)', () => {
  let server: SmtpTestServer;
  let dir: string;
  let store: string;

  beforeAll(async () => {
    // A leaf five days from expiry, watched for a moment: the picture's hardest case.
    const chain = await createChain({
      keyType: 'ecdsa',
      hostnames: [HOST],
      notAfter: new Date(Date.now() + 5 * DAY_MS),
    });
    server = await startSmtpTestServer({ certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }] });
    dir = mkdtempSync(join(tmpdir(), 'certwatch-timeline-png-'));
    store = join(dir, 'store');
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, chain.root.certPem);
    const check = await cli([
      'check',
      `smtp://${HOST}:${server.port}`,
      '--resolve',
      `${HOST}:${server.port}:127.0.0.1`,
      '--ca',
      caFile,
      '--key-types',
      'ecdsa',
      '--store',
      store,
    ]);
    expect(check.code).toBe(0);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a PNG of the page at the picture size', async () => {
    // Prepare
    const out = join(dir, 'timeline.png');
    const html = join(dir, 'timeline.html');
    await cli(['timeline', '--store', store, '--out', html]);
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(readFileSync(html, 'utf8'))?.[1]);

    // Act
    const result = await cli(['timeline', '--store', store, '--out', out]);

    // Assess
    expect(result.code).toBe(0);
    const png = readFileSync(out);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(width);
  });

  it('colours a near-expiry leaf as the legend says, and the page scales to the window', async () => {
    // Prepare
    const out = join(dir, 'near.html');

    // Act
    await cli(['timeline', '--store', store, '--out', out]);

    // Assess
    const page = readFileSync(out, 'utf8');
    expect(page).toMatch(/<g class="bar"[^>]*data-tone="expiring"/);
    expect(page).toMatch(/<rect class="validity"[^>]*stroke="#bf8700"/);
    expect(page).toMatch(/<rect class="served"[^>]*fill="#bf8700"/);
    expect(page).toContain('svg{display:block;width:100%;height:auto}');
  });

  it('refuses a PNG with one line when no Chromium can be found', async () => {
    // Prepare
    const saved = process.env.CERTWATCH_CHROMIUM;
    process.env.CERTWATCH_CHROMIUM = join(dir, 'no-chromium-here');
    try {
      // Act
      const result = await cli(['timeline', '--store', store, '--out', join(dir, 'x.png')]);

      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^certwatch: --out .*x\.png: a PNG needs headless Chromium .*; or write \.svg or \.html\n$/,
      );
    } finally {
      if (saved === undefined) delete process.env.CERTWATCH_CHROMIUM;
      else process.env.CERTWATCH_CHROMIUM = saved;
    }
  });

  it('refuses another picture format before opening the store', async () => {
    // Act
    const result = await cli(['timeline', '--store', join(dir, 'absent'), '--out', join(dir, 'x.jpg')]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out .*x\.jpg: write \.svg, \.html or \.png/);
    expect(spawnSync('ls', [join(dir, 'absent')]).status).not.toBe(0);
  });
});
