/**
 * x509-limbo (C2SP) cases run through validateChain: the 2023-12-02 suite and the weekly captures of
 * google.com / storage.googleapis.com. Every disagreement is listed below with its reason; the test
 * fails on an unlisted disagreement and on a listed case that starts agreeing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import { TrustStore } from '../../lambdas/core/x509/trust-store';
import { validateChain } from '../../lambdas/core/x509/validation';

const LIMBO = join(__dirname, '../fixtures/google/limbo');
// Cases without a validation time are valid from 1970 to 2969; the suite's date keeps runs repeatable.
const DEFAULT_TIME = new Date('2023-12-02T00:00:00Z');
// Optional behaviours limbo tags; certwatch implements directory-name constraints, nothing else tagged.
const MAPPED_FEATURES = new Set(['name-constraint-dn']);

interface LimboCase {
  id: string;
  /** Added here: the 2023 suite or an online capture. */
  source: 'suite' | 'online';
  features: string[] | null;
  validation_kind: string;
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name: { kind: string; value: string } | null;
}

const PROFILE = 'profile rule that OpenSSL (default flags, as MTAs run it), Go and browsers do not enforce';
const ROOT_AKI =
  "CA/B Forum rule for a root's authorityKeyIdentifier; not enforced because trusted roots break it (QuoVadis Root CA 2 and 3, Certigna in Node's store; Go Daddy and Starfield Class 2 in pki.goog's)";

/** Case id → why certwatch disagrees with limbo's expected result. */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {
  'rfc5280::aki::leaf-missing-aki': `missing authorityKeyIdentifier: RFC 5280 ${PROFILE}`,
  'rfc5280::aki::intermediate-missing-aki': `missing authorityKeyIdentifier: RFC 5280 ${PROFILE}`,
  'rfc5280::ski::root-missing-ski': `missing subjectKeyIdentifier: RFC 5280 ${PROFILE}`,
  'rfc5280::ski::intermediate-missing-ski': `missing subjectKeyIdentifier: RFC 5280 ${PROFILE}`,
  'webpki::aki::root-with-aki-missing-keyidentifier': ROOT_AKI,
  'webpki::aki::root-with-aki-authoritycertissuer': ROOT_AKI,
  'webpki::aki::root-with-aki-authoritycertserialnumber': ROOT_AKI,
  'webpki::aki::root-with-aki-all-fields': ROOT_AKI,
  'webpki::aki::root-with-aki-ski-mismatch': ROOT_AKI,
  'rfc5280::root-non-critical-basic-constraints':
    "non-critical basicConstraints in a root: not enforced because trusted roots break it (Chunghwa ePKI in Node's store; Go Daddy and Starfield Class 2 in pki.goog's)",
  'rfc5280::leaf-ku-keycertsign': `keyCertSign in a non-CA leaf: RFC 5280 ${PROFILE}`,
  'rfc5280::san::noncritical-with-empty-subject': `non-critical SAN with an empty subject: RFC 5280 ${PROFILE}`,
  'webpki::san::san-critical-with-nonempty-subject': `critical SAN with a subject: CA/B Forum ${PROFILE}`,
  'webpki::malformed-aia': `malformed authorityInfoAccess (not used for validation): CA/B Forum ${PROFILE}`,
  'webpki::ee-basicconstraints-ca': `leaf with cA=TRUE: CA/B Forum ${PROFILE}`,
  'rfc5280::nc::permitted-dn-match':
    'needs common-name fallback for the host name (the leaf has no DNS SAN); certwatch matches SANs only, as webpki::san::no-san requires',
};

function loadCases(): LimboCase[] {
  const suite = (
    JSON.parse(readFileSync(join(LIMBO, 'limbo-2023-12-02_ddc40b4.json'), 'utf8')).testcases as LimboCase[]
  ).map((c) => ({ ...c, source: 'suite' as const }));
  const online = readdirSync(join(LIMBO, 'online'))
    .filter((file) => file.endsWith('.limbo.json'))
    .sort()
    .flatMap((file) => {
      const doc = JSON.parse(readFileSync(join(LIMBO, 'online', file), 'utf8'));
      return (doc.testcases ?? [doc]).map((c: LimboCase) => ({
        ...c,
        id: `${file.replace('.limbo.json', '')}::${c.id}`,
        source: 'online' as const,
      }));
    });
  return [...suite, ...online];
}

const all = loadCases();
const runnable = all.filter(
  (c) => c.validation_kind === 'SERVER' && (c.features ?? []).every((f) => MAPPED_FEATURES.has(f)),
);

/** certwatch's answer to a limbo case: a trusted path and, when limbo names a peer, a matching leaf. */
async function certwatchAccepts(c: LimboCase): Promise<{ accepted: boolean; why: string }> {
  const trust = TrustStore.fromPem(c.trusted_certs.join('\n'), 'limbo');
  const chain = [c.peer_certificate, ...c.untrusted_intermediates]
    .flatMap(pemToDerList)
    .map((der) => Certificate.fromDer(der));
  const at = c.validation_time ? new Date(c.validation_time) : DEFAULT_TIME;
  const { validation, hostnameMatch } = await validateChain(chain, {
    trust,
    at,
    servername: c.expected_peer_name?.value,
  });
  const accepted = validation.trusted && hostnameMatch !== false;
  return {
    accepted,
    why: validation.error ? `${validation.error.code}: ${validation.error.message}` : `hostnameMatch ${hostnameMatch}`,
  };
}

describe('x509-limbo', () => {
  const agreeing = { suite: 0, online: 0 };
  const total = (source: LimboCase['source']) => runnable.filter((c) => c.source === source).length;

  afterAll(() => {
    console.log(
      `x509-limbo: certwatch agrees on ${agreeing.suite + agreeing.online}/${runnable.length} runnable cases ` +
        `(2023 suite ${agreeing.suite}/${total('suite')}, online Google captures ${agreeing.online}/${total('online')}; ` +
        `${all.length - runnable.length} skipped for unmapped features; ${Object.keys(KNOWN_DISAGREEMENTS).length} listed disagreements)`,
    );
  });

  test('runs the whole 2023 suite and every online capture', () => {
    expect(all.length).toBe(135 + 76);
    expect(runnable.length).toBeGreaterThan(190);
  });

  test('lists only cases that exist and run', () => {
    const ids = new Set(runnable.map((c) => c.id));
    expect(Object.keys(KNOWN_DISAGREEMENTS).filter((id) => !ids.has(id))).toEqual([]);
  });

  test.each(runnable.map((c) => [c.id, c] as const))('%s', async (id, c) => {
    // Act
    const { accepted, why } = await certwatchAccepts(c);

    // Assess
    const agrees = accepted === (c.expected_result === 'SUCCESS');
    if (agrees) agreeing[c.source]++;
    const listed = KNOWN_DISAGREEMENTS[id];
    expect({ id, agrees, why: agrees || listed ? undefined : why }).toEqual({
      id,
      agrees: listed === undefined,
      why: undefined,
    });
  });
});
