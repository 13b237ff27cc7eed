/**
 * The built-in anchor sets, loaded at the edge: Node's bundled roots and the pki.goog bundle shipped as
 * data. Core's TrustStore only takes bytes; this module is where they come from (prober, CLI inspect).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { CoreError } from '../core/errors';
import { pemToDerList } from '../core/x509/pem';
import { TrustStore, type TrustStoreName } from '../core/x509/trust-store';

/** The file name of the pki.goog root bundle. */
const GOOGLE_ROOTS_FILE = 'pki-goog-roots.pem';

/**
 * Where the pki.goog bundle may be, in order: `data/` beside the running code (the Lambda bundle copies
 * it beside index.js, lib/function-settings.ts), then the source tree's `lambdas/core/x509/data/`.
 */
export const GOOGLE_ROOTS_CANDIDATES: readonly string[] = Object.freeze([
  join(__dirname, 'data', GOOGLE_ROOTS_FILE),
  join(__dirname, '..', 'core', 'x509', 'data', GOOGLE_ROOTS_FILE),
]);

/** The pki.goog bundle's path: the first candidate that exists (the source tree's when none does). */
export function googleRootsPath(): string {
  return GOOGLE_ROOTS_CANDIDATES.find((path) => existsSync(path)) ?? GOOGLE_ROOTS_CANDIDATES[1];
}

let nodeStore: TrustStore | undefined;
let googleStore: TrustStore | undefined;

/** Node's bundled root certificates (`tls.rootCertificates`), shared by the whole process. */
export function nodeTrustStore(): TrustStore {
  nodeStore ??= TrustStore.lazy('node', () => rootCertificates.flatMap((pem) => pemToDerList(pem)));
  return nodeStore;
}

/** The pki.goog root bundle shipped as data, read on first use, shared by the whole process. */
export function googleTrustStore(): TrustStore {
  googleStore ??= TrustStore.lazy('google', () => {
    const path = googleRootsPath();
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new CoreError('TRUST_INVALID', `the pki.goog root bundle is missing (${path})`, { cause });
    }
    return pemToDerList(pem);
  });
  return googleStore;
}

/**
 * A built-in set, plus the anchors of `extraPem` when given (`--trust NAME --ca FILE`).
 * @throws CoreError TRUST_INVALID for an unknown name or an extra PEM without valid certificates
 */
export function trustStoreNamed(name: TrustStoreName, extraPem?: string): TrustStore {
  let base: TrustStore;
  if (name === 'node') base = nodeTrustStore();
  else if (name === 'google') base = googleTrustStore();
  else throw new CoreError('TRUST_INVALID', `unknown trust store '${String(name)}' (expected node or google)`);
  return extraPem === undefined ? base : base.withExtra(extraPem);
}
