/**
 * Regressions found by the fuzz campaigns (test/fuzz/, docs/reliability.md). Each recorded crashing
 * input in test/fixtures/fuzz/crashes/ must now end in a Cert or in CHAIN_UNPARSEABLE; the smaller
 * tests below pin each root cause on its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseTargets } from '../../lambdas/core/targets';
import { Certificate, parseChain } from '../../lambdas/core/x509/certificate';
import { derToPem, pemToDerList } from '../../lambdas/core/x509/pem';
import { SmtpProber } from '../../lambdas/probe/prober';
import { type CertFinding, campaignTrust, checkCertInput } from '../fuzz/cert-fuzz';
import { derNode, encodeDer, parseDer, walkDer } from '../fuzz/der-tree';
import { createChain } from '../support/pki';
import { startSmtpTestServer } from '../support/smtp-test-server';

const FIXTURES = join(__dirname, '..', 'fixtures', 'fuzz');
const CRASHES = join(FIXTURES, 'crashes');
const CORPUS_LEAF = pemToDerList(readFileSync(join(FIXTURES, 'corpus', 'leaf-ecdsa.pem'), 'utf8'))[0];

/** The DER with its serialNumber content replaced (the signature no longer matches: irrelevant here). */
function withSerial(der: Buffer, serial: number[]): Buffer {
  const tree = parseDer(der);
  const tbs = tree?.children?.[0];
  const field = tbs?.children?.find((c) => c.tag[0] === 0x02);
  if (!tree || !field) throw new Error('not a certificate');
  field.content = Buffer.from(serial);
  return encodeDer(tree);
}

describe('fuzz regressions: recorded crashing certificate inputs', () => {
  const files = readdirSync(CRASHES).filter((f) => f.endsWith('.json'));

  it.each(files)('%s now ends in a Cert or CHAIN_UNPARSEABLE', async (file) => {
    // Prepare
    const finding = JSON.parse(readFileSync(join(CRASHES, file), 'utf8')) as CertFinding;
    const input = {
      id: finding.id,
      seedName: finding.seedName,
      steps: finding.steps,
      chain: finding.chainBase64.map((b) => Buffer.from(b, 'base64')),
      at: new Date(finding.at),
      servername: finding.servername,
    };

    // Act
    const outcome = await checkCertInput(input, campaignTrust());

    // Assess
    expect(outcome.kind === 'cert' || outcome.kind === 'unparseable' ? 'classified' : outcome).toBe('classified');
  });
});

describe('fuzz regressions: negative serial numbers', () => {
  // Expected values as `openssl x509 -serial` prints them.
  it.each([
    [[0x80], '-80'],
    [[0x80, 0, 0, 0, 0, 0, 0, 0, 0], '-800000000000000000'],
    [[0xff, 0x7f], '-81'],
    [[0xfe, 0x00], '-0200'],
    [[0xff], '-01'],
  ])('models the serial %j as %s instead of recursing without end', (serial, expected) => {
    // Prepare
    const der = withSerial(CORPUS_LEAF, serial);

    // Act
    const model = () => Certificate.fromDer(der).toModel();

    // Assess
    expect(model).not.toThrow();
    expect(model().serial).toBe(expected);
  });

  it('keeps probing the other targets when one server presents a certificate with serial -128', async () => {
    // Prepare
    const good = await createChain({ keyType: 'ecdsa', hostnames: ['127.0.0.1'], tag: 'regression' });
    const hostileLeaf = derToPem(withSerial(good.leaf.der, [0x80]));
    const servers = await Promise.all([
      startSmtpTestServer({ certs: [{ keyPem: good.leaf.keyPem, chainPem: good.chainPem }] }),
      startSmtpTestServer({ certs: [{ keyPem: good.leaf.keyPem, chainPem: hostileLeaf + good.intermediate.certPem }] }),
    ]);
    try {
      // Act
      const probing = new SmtpProber().probe(parseTargets(servers.map((s) => s.url)), {
        keyTypes: ['ecdsa'],
        timeoutMs: 3000,
        concurrency: 2,
        resolve: [],
        extraAnchorsDer: [good.root.der],
      });
      const observations = await probing.catch((error: Error) => error);

      // Assess
      expect(observations).toBeInstanceOf(Array);
      const [first, second] = observations as Awaited<typeof probing>;
      expect(first).toMatchObject({ ok: true, validation: { trusted: true } });
      expect(second.chain[0]?.serial ?? second.error?.code).toMatch(/^(-80|CHAIN_UNPARSEABLE)$/);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe('fuzz regressions: memory held by parsed certificates', () => {
  it('keeps the retained heap bounded when many distinct certificates of 10 000 ASN.1 nodes are parsed', () => {
    // Prepare: 16 distinct 40 KB leaves of 8 000 subjectAltNames each (asn1js allows 10 000 nodes);
    // today each costs about 9 MiB while the cache holds up to 1 024 certificates.
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const tree = parseDer(CORPUS_LEAF);
    const san = tree && walkDer(tree).find((l) => l.node.tag[0] === 0x82);
    if (!tree || !san?.parent?.children) throw new Error('corpus leaf without a dNSName');
    for (let i = 0; i < 8000; i++) san.parent.children.push(derNode(0x82, Buffer.from('a.b')));
    const serial = tree.children?.[0].children?.find((c) => c.tag[0] === 0x02);
    if (!serial) throw new Error('no serial');
    const ders = Array.from({ length: 16 }, (_, i) => {
      serial.content = Buffer.from([0x7e, i]);
      return encodeDer(tree);
    });
    gc();
    const before = process.memoryUsage().heapUsed;

    // Act
    for (const der of ders) {
      const parsed = parseChain([der]);
      if (parsed.ok) parsed.certificates[0].toModel();
    }
    gc();
    const retainedMb = (process.memoryUsage().heapUsed - before) / 1048576;

    // Assess
    expect(retainedMb).toBeLessThan(48);
    // 16 parses of 10 000-node certificates: CPU-bound, stretched by a busy machine; a hang still fails.
  }, 120_000);
});
