/**
 * Precertificates and certificates made by openssl (demo/support/ct-certs.ts, shared with the demo), and
 * the Python `cryptography` oracle for the TBS without the SCT list.
 */
import { execFileSync } from 'node:child_process';

export * from '../../demo/support/ct-certs';

/** Debian's interpreter, which sees Debian's python3-cryptography. */
const PYTHON = '/usr/bin/python3';

/**
 * Python `cryptography`'s `tbs_precertificate_bytes` of a final certificate: the oracle for the TBS
 * without the SCT list (Debian python3-cryptography; `.ci/run` installs it).
 */
export function pythonTbsPrecertificateBytes(certificate: Buffer): Buffer {
  const script =
    'import sys; from cryptography import x509; ' +
    'c = x509.load_der_x509_certificate(sys.stdin.buffer.read()); sys.stdout.buffer.write(c.tbs_precertificate_bytes)';
  return execFileSync(PYTHON, ['-c', script], { input: certificate });
}
