/**
 * `certwatch pins`: the digests of every leaf a target currently serves, per key type, in the forms
 * people paste — Postfix policy-map lines, TLSA records, `sha256/BASE64`, hex. During a rollout old and
 * new leaves are both listed, with a line saying to keep both until the rollout completes.
 */
import type { KeyType } from '../observation';
import { parseTarget } from '../targets';
import { PIN_FORMATS, type PinFormat } from './pin-formats';
import { POSTFIX_DIGEST_NOTE, postfixPolicyLine } from './pins';
import { tlsaOwner } from './tlsa';

export { PIN_FORMATS, type PinFormat };

/** One leaf currently served at a target. */
export interface ServedLeaf {
  target: string;
  keyType: KeyType;
  /** SHA-256 of the certificate, lowercase hex. */
  sha256: string;
  /** SHA-256 of the SubjectPublicKeyInfo, base64 (the observation model's form). */
  spkiSha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  addresses: string[];
}

/** The digests of one leaf in every form (`--json`). */
export interface LeafPins extends ServedLeaf {
  spkiSha256Hex: string;
  pin: string;
  tlsa: string;
}

/** One target's leaves and lines (`--json`). */
export interface TargetPins {
  target: string;
  leaves: LeafPins[];
  /** Key types with more than one leaf served: a rollout in progress. */
  rollout: KeyType[];
  postfix: string;
}

function hexOf(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

/** Groups leaves per target (input order kept) and derives every form. */
export function pinsReport(leaves: readonly ServedLeaf[]): TargetPins[] {
  const byTarget = new Map<string, ServedLeaf[]>();
  for (const leaf of leaves) byTarget.set(leaf.target, [...(byTarget.get(leaf.target) ?? []), leaf]);
  return [...byTarget.entries()].map(([url, list]) => {
    const target = parseTarget(url);
    const sorted = [...list].sort(
      (a, b) => a.keyType.localeCompare(b.keyType) || a.notBefore.localeCompare(b.notBefore),
    );
    const owner = tlsaOwner(target.host, target.port);
    const counts = new Map<KeyType, number>();
    for (const l of sorted) counts.set(l.keyType, (counts.get(l.keyType) ?? 0) + 1);
    return {
      target: url,
      leaves: sorted.map((l) => ({
        ...l,
        spkiSha256Hex: hexOf(l.spkiSha256),
        pin: `sha256/${l.spkiSha256}`,
        tlsa: `${owner}. IN TLSA 3 1 1 ${hexOf(l.spkiSha256)}`,
      })),
      rollout: [...counts.entries()].filter(([, n]) => n > 1).map(([k]) => k),
      postfix: postfixPolicyLine(
        target.host,
        target.port,
        sorted.map((l) => l.sha256),
      ),
    };
  });
}

/** Paste-ready text: `#` comment lines, then the lines of the asked forms. */
export function renderPins(report: readonly TargetPins[], formats: readonly PinFormat[] = PIN_FORMATS): string {
  const out: string[] = [];
  for (const t of report) {
    out.push(`# ${t.target}`);
    for (const l of t.leaves) {
      out.push(
        `#   ${l.keyType.padEnd(5)} ${l.subject}, ${l.notBefore.slice(0, 10)} -> ${l.notAfter.slice(0, 10)}, on ${l.addresses.length} address(es)`,
      );
    }
    for (const keyType of t.rollout) {
      out.push(
        `# rollout in progress (${keyType}: ${t.leaves.filter((l) => l.keyType === keyType).length} leaves served): keep both until the rollout completes (CERTIFICATE_RETIRED)`,
      );
    }
    if (formats.includes('postfix')) out.push(`# ${POSTFIX_DIGEST_NOTE}`, t.postfix);
    for (const l of t.leaves) {
      if (formats.includes('tlsa')) out.push(l.tlsa);
      if (formats.includes('pin')) out.push(l.pin);
      if (formats.includes('hex'))
        out.push(`${l.sha256} ${l.keyType} certificate`, `${l.spkiSha256Hex} ${l.keyType} public-key`);
    }
    out.push('');
  }
  return out.join('\n');
}
