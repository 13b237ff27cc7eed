/**
 * `npm run demo` end to end: in-process for the story it tells (the notice sequence, the picture, no
 * temporary files left), and as a child process interrupted with Ctrl-C (SIGINT) for its cleanup.
 * Neither depends on how fast the machine is: whatever happens to a test (a failure, jest's hang
 * detector), the demo it started is stopped and its servers and store closed before the test ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../demo/run-demo';
import type { NoticeType } from '../../lambdas/core/notice';
import { stopChild } from '../support/child-process';

const REPO = join(__dirname, '../..');
/** The fleet's targets in order, by what they imitate. */
const NAMES = ['mx:25', 'relay:25', 'relay:465', 'relay:587', 'smtp:465', 'smtp:587'];
/**
 * Jest's hang detector for these tests and their hooks, not a speed check: 25 cycles of real handshakes
 * take seconds on a quiet machine and minutes with both cores busy; nothing here fails for being slow.
 */
jest.setTimeout(600_000);

describe('the demo', () => {
  let dir: string;
  let stop: AbortController;
  let running: Promise<unknown> | undefined;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-demo-test-'));
    stop = new AbortController();
  });

  afterEach(async () => {
    // A run still going (its test failed or was given up) stops after its current cycle and closes its
    // servers and store before the next test, or the next suite of this worker, starts.
    stop.abort();
    await running?.catch(() => undefined);
    running = undefined;
    await stopChild(child, 'SIGKILL');
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells the rollout, the expiry and the STARTTLS downgrade in order, draws the timeline and cleans up', async () => {
    // Prepare
    const tmpRoot = join(dir, 'tmp');
    const out = join(dir, 'demo-timeline.svg');
    const lines: string[] = [];
    mkdirSync(tmpRoot);

    // Act
    const run = runDemo({ out, tmpRoot, log: (line) => lines.push(line), signal: stop.signal });
    running = run;
    const result = await run;

    // Assess
    const name = (target: string | null) => (target === null ? '-' : NAMES[result.targets.indexOf(target)]);
    const keyType = (facts: unknown) => (facts as { keyType?: string }).keyType ?? '-';
    // Both key types of one event come in either order: each such pair is compared sorted.
    const sequence = result.notices
      .map(({ day, notice }, i) => ({ i, row: [day, notice.type, name(notice.target), keyType(notice.facts)] }))
      .sort((a, b) => {
        const same = a.row.slice(0, 3).join() === b.row.slice(0, 3).join();
        return same ? String(a.row[3]).localeCompare(String(b.row[3])) : a.i - b.i;
      })
      .map((e) => e.row);
    const both = (day: number, type: NoticeType, target: string) => [
      [day, type, target, 'ecdsa'],
      [day, type, target, 'rsa'],
    ];
    expect(sequence).toEqual([
      [0, 'BASELINE', '-', '-'],
      // The next submission certificates (RSA and ECDSA) are logged on day 2: announced with their pins,
      // and forecast against the policy that pins the current keys, at both submission targets.
      [2, 'CERTIFICATE_ISSUED', '-', '-'],
      [2, 'CERTIFICATE_ISSUED', '-', '-'],
      [2, 'POLICY_FORECAST', 'smtp:465', '-'],
      [2, 'POLICY_FORECAST', 'smtp:587', '-'],
      [2, 'POLICY_FORECAST', 'smtp:465', '-'],
      [2, 'POLICY_FORECAST', 'smtp:587', '-'],
      ...both(4, 'EXPIRY_WARNING', 'mx:25'),
      ...both(5, 'ROTATION_OVERDUE', 'mx:25'),
      // smtp.gmail.com:465 and :587 share their leaves: one notice each, listing both targets.
      ...both(6, 'NEW_CERTIFICATE', '-'),
      ...both(10, 'CERTIFICATE_RETIRED', '-'),
      ...both(11, 'EXPIRY_WARNING', 'mx:25'),
      [13, 'STARTTLS_MISSING', 'relay:25', '-'],
      [13, 'STARTTLS_MISSING', 'relay:587', '-'],
      // The old keys' pins, added to on day 3, match no served leaf a week (pinUnusedAfterDays) after the
      // old leaves retired.
      ...both(17, 'PIN_UNUSED', 'smtp:465'),
      ...both(17, 'PIN_UNUSED', 'smtp:587'),
      ...both(18, 'EXPIRY_WARNING', 'mx:25'),
      ...both(19, 'NEW_CERTIFICATE', 'mx:25'),
      ...both(23, 'CERTIFICATE_RETIRED', 'mx:25'),
    ]);
    // Certificate Transparency's lead: announced (with the pin and TLSA lines to add) and forecast days
    // before the first frontend serves the certificate; NEW_CERTIFICATE says how long before.
    const issued = result.notices.filter((n) => n.notice.type === 'CERTIFICATE_ISSUED');
    const served = result.notices.filter((n) => n.notice.type === 'NEW_CERTIFICATE' && n.day === 6);
    expect(served.map((n) => (n.notice.facts as { loggedAt?: string }).loggedAt)).toEqual(
      served.map(() => (issued[0].notice.facts as { loggedAt: string }).loggedAt),
    );
    expect(served.every((n) => (n.notice.facts as { leadHours: number }).leadHours >= 24)).toBe(true);
    expect(Math.min(...served.map((n) => n.day)) - Math.max(...issued.map((n) => n.day))).toBeGreaterThanOrEqual(1);
    expect(
      issued.every((n) => /pin {6}sha256\//.test(n.notice.text) && /TLSA {5}3 1 1 [0-9a-f]{64}/.test(n.notice.text)),
    ).toBe(true);
    expect(lines.filter((l) => /^\s+(pin|TLSA)\s/.test(l))).toHaveLength(4);
    expect(
      lines.filter((l) => l.includes('Logged in Certificate Transparency 4 days before first service')),
    ).toHaveLength(2);
    const shared = result.notices.filter(
      (n) => n.notice.target === null && !['BASELINE', 'CERTIFICATE_ISSUED'].includes(n.notice.type),
    );
    expect(shared.every((n) => n.notice.subject.includes('on 2 targets'))).toBe(true);
    const thresholds = result.notices
      .filter((n) => n.notice.type === 'EXPIRY_WARNING')
      .map((n) => (n.notice.facts as { thresholdDays: number }).thresholdDays);
    expect(thresholds).toEqual([21, 21, 14, 14, 7, 7]);
    expect(
      result.targets.every((t) =>
        /^smtps?:\/\/(aspmx\.l\.google\.com|smtp-relay\.gmail\.com|smtp\.gmail\.com):\d+$/.test(t),
      ),
    ).toBe(true);
    expect(result.cycles).toBe(25);

    expect(lines.filter((l) => /^\s+(INFO|WARNING|CRITICAL)\s+[A-Z_]+\s/.test(l))).toHaveLength(result.notices.length);
    expect(lines).toContain(
      `day 13  ${result.notices.find((n) => n.day === 13)?.notice.at.slice(0, 10)}  smtp-relay.gmail.com stops offering STARTTLS on 127.0.0.22 (ports 25 and 587)`,
    );

    const svg = readFileSync(out, 'utf8');
    expect(result.timeline).toBe(out);
    expect(svg.match(/<g class="lane" /g)).toHaveLength(12);
    // The lead CT gave, drawn before the new submission leaves' served spans (2 targets × 2 key types).
    expect(svg.match(/<rect class="lead" /g)).toHaveLength(4);
    // Two targets lost STARTTLS; a notice without a key type is marked on both lanes of its target.
    expect(svg.match(/<g class="marker" data-type="STARTTLS_MISSING" data-severity="critical">/g)).toHaveLength(4);
    expect(svg).toContain('<line class="today"');
    expect(readdirSync(tmpRoot)).toEqual([]);
    expect(existsSync(result.tempDir)).toBe(false);
  });

  it('stops on Ctrl-C after the current cycle, with its servers closed and its directory removed', async () => {
    // Prepare
    const tmpRoot = join(dir, 'tmp');
    mkdirSync(tmpRoot);
    const out = join(dir, 'never.svg');
    const demo = spawn(process.execPath, ['--import', 'tsx', 'demo/demo.ts', '--out', out], {
      cwd: REPO,
      env: { ...process.env, TMPDIR: tmpRoot, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = demo;
    let stdout = '';
    let stderr = '';
    demo.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));

    // Act
    await new Promise<void>((resolve) => {
      let interrupted = false;
      demo.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (!interrupted && stdout.includes('rolls out new RSA + ECDSA certificates: 127.0.0.31')) {
          interrupted = true;
          demo.kill('SIGINT');
          resolve();
        }
      });
      demo.on('exit', () => resolve());
    });
    const code = await exited;

    // Assess
    expect(stdout).toContain('rolls out new RSA + ECDSA certificates: 127.0.0.31');
    expect(code).toBe(130);
    expect(stderr).toContain('demo interrupted; servers stopped and temporary files removed');
    expect(stdout).not.toContain('Timeline:');
    expect(readdirSync(tmpRoot).filter((f) => f.startsWith('certwatch-demo-'))).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});
