import { googleTrustStore } from './trust-stores';

/** Where an anchor is published, when it is one of the pki.goog roots certwatch ships (remedy text). */
export function publishedAnchor(sha256: string): string | undefined {
  try {
    return googleTrustStore().has(sha256)
      ? 'https://pki.goog/roots.pem (Google Trust Services root bundle)'
      : undefined;
  } catch {
    return undefined;
  }
}
