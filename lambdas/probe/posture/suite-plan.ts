/**
 * Which client tests which suite: Node's TLS stack for what this process's OpenSSL implements, the
 * hand-built ClientHello for the rest at TLS 1.0–1.2, and nobody for what is left (reported untestable).
 */
import { createSecureContext } from 'node:tls';
import { type CipherSuite, suitesForVersion } from '../../core/posture/cipher-suites';
import type { TlsVersion, UntestableSuite } from '../../core/posture/posture';

const offerable = new Map<string, boolean>();

/** Can this process's OpenSSL put the suite in a ClientHello? (It throws ERR_SSL_NO_CIPHER_MATCH if not.) */
export function nodeCanOffer(suite: CipherSuite): boolean {
  let known = offerable.get(suite.iana);
  if (known === undefined) {
    const tls13 = suite.versions.includes('TLSv1.3');
    try {
      createSecureContext({ ciphers: tls13 ? suite.iana : `${suite.openssl}:@SECLEVEL=0`, minVersion: 'TLSv1' });
      known = true;
    } catch {
      known = false;
    }
    offerable.set(suite.iana, known);
  }
  return known;
}

/** Who tests which suite at a version, and what nobody can. */
export function planVersion(
  version: TlsVersion,
  rawHello: boolean,
): { node: CipherSuite[]; raw: CipherSuite[]; untestable: UntestableSuite[] } {
  const plan = { node: [] as CipherSuite[], raw: [] as CipherSuite[], untestable: [] as UntestableSuite[] };
  const build = `OpenSSL ${process.versions.openssl}`;
  for (const suite of suitesForVersion(version)) {
    if (nodeCanOffer(suite)) plan.node.push(suite);
    else if (version === 'TLSv1.3') {
      const reason = `not offered by this OpenSSL build (${build}); the raw ClientHello covers TLS 1.0 to 1.2 only`;
      plan.untestable.push({ version, suite: suite.iana, reason });
    } else if (rawHello) plan.raw.push(suite);
    else {
      const why = suite.source === 'legacy' ? 'removed algorithm' : 'not implemented';
      const reason = `not offered by this OpenSSL build (${build}: ${why}) and the raw ClientHello is off`;
      plan.untestable.push({ version, suite: suite.iana, reason });
    }
  }
  return plan;
}
