import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateConsumerPolicy, type PolicySubject } from '../../lambdas/core/policy/evaluate';
import type { PolicySet } from '../../lambdas/core/policy/model';
import { parsePolicyDocument } from '../../lambdas/core/policy/parse';
import { parseChain } from '../../lambdas/core/x509/certificate';
import { pemToDerList } from '../../lambdas/core/x509/pem';

const FIXTURES = join(__dirname, '..', 'fixtures', 'google');
const read = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
// As Google served smtp.gmail.com in 2024-10: leaf, WR2, GTS Root R1 cross-signed by GlobalSign Root CA.
const chainPem = read('chains/smtp.gmail.com_2024-10_as-served_leaf-WR2-GTSR1xGSR1.pem');
const parsed = parseChain(pemToDerList(chainPem));
if (!parsed.ok) throw new Error('fixture chain unparseable');
const chain = parsed.certificates;
const NOW = new Date('2024-11-15T00:00:00Z');

// Digests from openssl (the oracle): `openssl x509 -fingerprint -sha256`, and of `-pubkey | openssl pkey -pubin -outform DER`.
const LEAF_SHA256 = '0CCFD3E2692B83DF62DB3C2F5077566CD1191B79A35B6EE984FE9D0B8428EA5D';
const LEAF_SPKI = 'bf67323a355d5c94012636071c019456c78258d2704b5d1be6942408eebc40ce';
const GTSR1_SHA256 = 'd947432abde7b7fa90fc2e6b59101b1280e0e1c7e4e40fa3c6887fff57a7f4cf';
const GTSR1_SPKI = '871a9194f4eed5b312ff40c84c1d524aed2f778bbff25f138cf81f680a7adc67';

const subject: PolicySubject = {
  target: 'smtps://smtp.gmail.com:465',
  host: 'smtp.gmail.com',
  port: 465,
  validation: null,
  hostnameMatch: true,
};

function policyOf(rules: Record<string, unknown>, files: Record<string, string> = {}): PolicySet {
  return parsePolicyDocument(
    { policies: [{ targets: ['smtps://smtp.gmail.com:465'], ...rules }] },
    { source: 'policy.json', readFile: (name) => files[name] ?? read(name) },
  );
}

async function verdictOf(set: PolicySet, at = NOW) {
  const verdict = await evaluateConsumerPolicy({ set, subject, chain, now: at });
  if (!verdict) throw new Error('no verdict');
  return verdict;
}

describe('consumer policy on the real smtp.gmail.com chain', () => {
  it('accepts a pin of the leaf certificate, colon form, as Postfix prints it', async () => {
    // Prepare
    const set = policyOf({ pins: [LEAF_SHA256.match(/.{2}/g)?.join(':')] });
    // Act
    const verdict = await verdictOf(set);
    // Assess
    expect(verdict.ok).toBe(true);
    expect(verdict.rules[0]).toMatchObject({ kind: 'pins', status: 'pass' });
    expect(verdict.rules[0].reason).toContain('certificate');
  });

  it('accepts a pin of the public key in hex and in sha256/BASE64 form', async () => {
    const b64 = Buffer.from(LEAF_SPKI, 'hex').toString('base64');
    const verdict = await verdictOf(policyOf({ pins: [`sha256/${b64}`] }));
    const hex = await verdictOf(policyOf({ pins: [LEAF_SPKI] }));
    expect(verdict.ok).toBe(true);
    expect(hex.rules[0].reason).toContain('public key');
  });

  it('refuses a leaf whose digests match no pin, quoting both digests', async () => {
    const verdict = await verdictOf(policyOf({ pins: ['00'.repeat(32)] }));
    expect(verdict.ok).toBe(false);
    expect(verdict.rules[0]).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(verdict.rules[0].reason).toContain(LEAF_SHA256.toLowerCase());
    expect(verdict.rules[0].reason).toContain(LEAF_SPKI);
  });

  it('does not let a sha256/ pin of the certificate digest match (SPKI only)', async () => {
    const b64 = Buffer.from(LEAF_SHA256, 'hex').toString('base64');
    const verdict = await verdictOf(policyOf({ pins: [`sha256/${b64}`] }));
    expect(verdict.ok).toBe(false);
  });

  it('2 0 1 of the self-signed GTS Root R1 never matches: Google presents its cross-signed twin', async () => {
    const verdict = await verdictOf(policyOf({ tlsa: [`2 0 1 ${GTSR1_SHA256}`] }));
    expect(verdict.ok).toBe(false);
    expect(verdict.rules[0]).toMatchObject({ kind: 'tlsa', status: 'fail' });
  });

  it('2 1 1 of GTS Root R1 matches the cross-signed certificate (same key) and validates', async () => {
    const verdict = await verdictOf(policyOf({ tlsa: [`2 1 1 ${GTSR1_SPKI}`] }));
    expect(verdict.ok).toBe(true);
    expect(verdict.rules[0].matched).toEqual([`2 1 1 ${GTSR1_SPKI}`]);
  });

  it('2 1 1 fails once the leaf has expired (DANE-TA checks dates) while 3 1 1 still holds', async () => {
    const later = new Date('2025-02-01T00:00:00Z');
    const ta = await verdictOf(policyOf({ tlsa: [`2 1 1 ${GTSR1_SPKI}`] }), later);
    const ee = await verdictOf(policyOf({ tlsa: [`3 1 1 ${LEAF_SPKI}`] }), later);
    expect(ta.ok).toBe(false);
    expect(ee.ok).toBe(true);
  });

  it('3 0 1 and 3 1 2 match the leaf by certificate and SHA-512 of the key', async () => {
    const { createHash } = await import('node:crypto');
    const sha512 = createHash('sha512').update(chain[0].spkiDer).digest('hex');
    const verdict = await verdictOf(policyOf({ tlsa: [`3 0 1 ${LEAF_SHA256}`, `3 1 2 ${sha512}`] }));
    expect(verdict.rules[0].matched).toHaveLength(2);
  });

  it('a CA file with the self-signed GTS Root R1 accepts the chain through the cross-sign', async () => {
    const verdict = await verdictOf(policyOf({ ca: 'roots/GTS_Root_R1.pem' }));
    expect(verdict.ok).toBe(true);
    expect(verdict.rules[0].reason).toContain('GTS Root R1');
  });

  it('a CA file with only GlobalSign R2 (the root Google once named) refuses the chain', async () => {
    const verdict = await verdictOf(policyOf({ ca: 'roots/GlobalSign_Root_CA_R2.pem' }));
    expect(verdict.ok).toBe(false);
    expect(verdict.rules[0]).toMatchObject({ kind: 'ca', status: 'fail' });
  });

  it('applies every matching policy: all must hold', async () => {
    const set = parsePolicyDocument(
      {
        policies: [
          { targets: ['*'], pins: [LEAF_SPKI] },
          { targets: ['smtps://smtp.gmail.com:465'], ca: 'roots/GlobalSign_Root_CA_R2.pem' },
          { targets: ['smtp://smtp.gmail.com:587'], pins: ['11'.repeat(32)] },
        ],
      },
      { source: 'p.json', readFile: read },
    );
    const verdict = await verdictOf(set);
    expect(verdict.policies).toEqual([1, 2]);
    expect(verdict.rules.map((r) => r.status)).toEqual(['pass', 'fail']);
    expect(verdict.ok).toBe(false);
  });

  it('gives no verdict when no policy matches the target', async () => {
    const set = parsePolicyDocument(
      { policies: [{ targets: ['smtp://smtp.gmail.com:587'], pins: [LEAF_SPKI] }] },
      { source: 'p.json' },
    );
    expect(await evaluateConsumerPolicy({ set, subject, chain, now: NOW })).toBeNull();
  });
});
