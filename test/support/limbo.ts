/**
 * x509-limbo cases (C2SP schema) and certwatch's answer to one: shared by the limbo tests and the
 * limbo bench. The suites are the repo's copies under test/fixtures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChain } from '../../lambdas/core/x509/certificate';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import { TrustStore } from '../../lambdas/core/x509/trust-store';
import { validateChain } from '../../lambdas/core/x509/validation';

/** The 2026 suite (generated from limbo's sources, see its README). */
export const LIMBO_2026 = join(__dirname, '../fixtures/x509-limbo-2026/limbo.json');
/** The 2023 suite and the weekly online captures of Google hosts. */
export const LIMBO_2023_DIR = join(__dirname, '../fixtures/google/limbo');

// Cases without a validation time are valid from 1970 to 2969; the suite's date keeps runs repeatable.
const DEFAULT_TIME = new Date('2023-12-02T00:00:00Z');

/** One limbo test case, the fields certwatch uses. */
export interface LimboCase {
  id: string;
  features: string[] | null;
  validation_kind: string;
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name: { kind: string; value: string } | null;
  max_chain_depth?: number | null;
}

/** The cases of a limbo.json file. */
export function loadLimbo(file: string): LimboCase[] {
  return JSON.parse(readFileSync(file, 'utf8')).testcases as LimboCase[];
}

/** The online captures under the 2023 directory, ids prefixed with their file name. */
export function loadOnlineCaptures(): LimboCase[] {
  const dir = join(LIMBO_2023_DIR, 'online');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.limbo.json'))
    .sort()
    .flatMap((file) => {
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      return (doc.testcases ?? [doc]).map((c: LimboCase) => ({
        ...c,
        id: `${file.replace('.limbo.json', '')}::${c.id}`,
      }));
    });
}

/** Why certwatch refuses a CA certificate as the leaf, where RFC 5280 alone would accept it. */
export const CA_AS_LEAF =
  'profile choice (webpki::ca-as-leaf, CA/B Forum 7.1.2.7.8): a CA certificate (cA=TRUE) is refused as the server certificate; RFC 5280 alone allows it';

/** The family a case id belongs to, as reported: rfc5280, webpki, pathological, cve, online or other. */
export function familyOf(id: string): string {
  const head = id.split('::')[0];
  return ['rfc5280', 'webpki', 'pathological', 'cve', 'online'].includes(head) ? head : 'other';
}

/** certwatch's answer: accepted = a trusted path and, when limbo names a peer, a matching leaf. */
export interface LimboAnswer {
  accepted: boolean;
  code: string | null;
  why: string;
}

/**
 * Runs one case as `certwatch inspect` does: the presented chain through `parseChain` (certwatch's
 * limits: 16 certificates of 64 KiB at most; over them the chain is CHAIN_UNPARSEABLE, a rejection),
 * then `validateChain`.
 */
export async function certwatchAnswer(c: LimboCase): Promise<LimboAnswer> {
  const trust = TrustStore.fromPem(c.trusted_certs.join('\n'), 'limbo');
  const parsed = parseChain([c.peer_certificate, ...c.untrusted_intermediates].flatMap(pemToDerList));
  if (!parsed.ok)
    return { accepted: false, code: parsed.error.code, why: `${parsed.error.code}: ${parsed.error.message}` };
  const chain = parsed.certificates;
  const at = c.validation_time ? new Date(c.validation_time) : DEFAULT_TIME;
  const { validation, hostnameMatch } = await validateChain(chain, {
    trust,
    at,
    servername: c.expected_peer_name?.value,
  });
  const accepted = validation.trusted && hostnameMatch !== false;
  return {
    accepted,
    code: validation.error?.code ?? (hostnameMatch === false ? 'HOSTNAME_MISMATCH' : null),
    why: validation.error ? `${validation.error.code}: ${validation.error.message}` : `hostnameMatch ${hostnameMatch}`,
  };
}
