/**
 * Rotation: certificates appearing (NEW_CERTIFICATE, ISSUER_CHANGED). A leaf is new once per target and
 * key type: a leaf already recorded there is at most new to one address, which is rollout progress.
 */
import type { CertRecord } from '../history';
import type { RotationFacts } from '../notice';
import { activeLeaves, certFacts, type DetectContext, raise, sortedAddresses, touch } from './context';
import { slotKey } from './evidence';
import type { ServedCert } from './served';
import { rolloutOf } from './windows';

/**
 * Creates the records of everything first served this cycle and extends the addresses of known ones. A
 * retired leaf served again is CERTIFICATE_RETURNED's business (see `retirement.ts`), chain certificates
 * come back silently.
 */
export function recordServed(ctx: DetectContext): void {
  for (const [sha, served] of ctx.served.certs) {
    const existing = ctx.records.get(sha);
    if (!existing) {
      ctx.records.set(sha, newRecord(ctx, served));
      ctx.changed.add(sha);
      if (served.role === 'leaf' && !ctx.baselineKeyTypes.has(served.keyType)) ctx.newLeaves.push(sha);
      continue;
    }
    const addresses = sortedAddresses([...existing.addresses, ...served.addresses]);
    if (addresses.length !== existing.addresses.length) {
      existing.addresses = addresses;
      touch(ctx, existing);
    }
    if (existing.status === 'retired' && existing.role === 'chain') {
      existing.status = 'active';
      existing.retiredAt = null;
      existing.lastSeen = ctx.nowIso;
      touch(ctx, existing);
    }
  }
}

function newRecord(ctx: DetectContext, served: ServedCert): CertRecord {
  const { cert } = served;
  const first = served.observations[0];
  const validation = first?.validation;
  return {
    target: ctx.target.url,
    sha256: cert.sha256,
    sha1: cert.sha1,
    role: served.role,
    keyType: served.keyType,
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serial,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sans: [...cert.sans],
    spkiSha256: cert.spkiSha256,
    keyAlgorithm: cert.keyAlgorithm,
    signatureAlgorithm: cert.signatureAlgorithm,
    selfSigned: cert.selfSigned,
    chain: served.role === 'leaf' && first ? first.chain.map((c) => c.sha256) : [],
    anchor: served.role === 'leaf' && validation?.trusted ? validation.anchor : null,
    anchorSha256: served.role === 'leaf' && validation?.trusted ? validation.anchorSha256 : null,
    firstSeen: ctx.nowIso,
    lastSeen: ctx.nowIso,
    addresses: sortedAddresses(served.addresses),
    status: 'active',
    retiredAt: null,
    warned: [],
    noticed: [],
    retirements: 0,
    ...(served.role === 'leaf'
      ? { since: { mark: ctx.keyTypes[served.keyType]?.cycles ?? 0, clock: ctx.keyTypes[served.keyType]?.clock ?? 0 } }
      : {}),
    rev: 0,
  };
}

/** NEW_CERTIFICATE for each leaf first seen this cycle, and ISSUER_CHANGED when its chain moved. */
export function announceNewLeaves(ctx: DetectContext): void {
  for (const sha of ctx.newLeaves) {
    const served = ctx.served.certs.get(sha);
    if (!served) continue;
    const { keyType } = served;
    const replaces = predecessors(ctx, served);
    const previous = replaces[0];
    const newRecordOf = ctx.records.get(sha);
    const rotation = previous && newRecordOf ? classifyRotation(previous, newRecordOf) : null;
    const progress = rolloutOf(ctx, keyType, sha);
    raise(ctx, 'NEW_CERTIFICATE', [sha], {
      keyType,
      cert: certFacts(ctx, served.cert, 'leaf'),
      chain: served.observations[0]?.chain.map((c) => c.sha256) ?? [],
      anchor: newRecordOf?.anchor ?? null,
      replaces: replaces.map((r) => certFacts(ctx, r)),
      rotation,
      rollout: { addresses: sortedAddresses(served.addresses), ...progress },
    });
    if (previous && newRecordOf && rotation && (!rotation.sameIssuer || rotation.sameAnchor === false)) {
      raise(ctx, 'ISSUER_CHANGED', [sha], {
        keyType,
        cert: certFacts(ctx, newRecordOf),
        previous: certFacts(ctx, previous),
        previousIssuer: previous.issuer,
        issuer: newRecordOf.issuer,
        previousIntermediate: previous.chain[1] ?? null,
        intermediate: newRecordOf.chain[1] ?? null,
        previousAnchor: previous.anchor,
        anchor: newRecordOf.anchor,
        rotation,
      });
    }
  }
}

/**
 * The leaves a new one replaces: what the same addresses were last observed serving for that key type,
 * else every leaf of that key type that was active before this cycle.
 */
function predecessors(ctx: DetectContext, served: ServedCert): CertRecord[] {
  const wasActive = (r: CertRecord | undefined): r is CertRecord =>
    r !== undefined && r.sha256 !== served.cert.sha256 && ctx.activeBefore.has(r.sha256);
  const bySlot = [...served.addresses]
    .flatMap((address) => ctx.prevEvidence.get(slotKey(address, served.keyType))?.leaves ?? [])
    .map((prior) => ctx.records.get(prior.sha256))
    .filter(wasActive);
  const found = bySlot.length > 0 ? bySlot : activeLeaves(ctx, served.keyType).filter(wasActive);
  return [...new Map(found.map((r) => [r.sha256, r])).values()].sort((a, b) => b.notBefore.localeCompare(a.notBefore));
}

/**
 * Classifies how `next` differs from `previous`. One class is chosen, the most consequential first:
 * key-type change, then issuer change, then re-key, else same-key renewal; the flags keep the detail.
 */
export function classifyRotation(
  previous: Pick<CertRecord, 'spkiSha256' | 'keyAlgorithm' | 'issuer' | 'chain' | 'anchorSha256'>,
  next: Pick<CertRecord, 'spkiSha256' | 'keyAlgorithm' | 'issuer' | 'chain' | 'anchorSha256'>,
): RotationFacts {
  const sameKey = previous.spkiSha256 === next.spkiSha256;
  const sameKeyAlgorithm = previous.keyAlgorithm === next.keyAlgorithm;
  const sameIntermediate =
    previous.chain[1] === undefined || next.chain[1] === undefined ? true : previous.chain[1] === next.chain[1];
  const sameIssuer = previous.issuer === next.issuer && sameIntermediate;
  const sameAnchor =
    previous.anchorSha256 === null || next.anchorSha256 === null ? null : previous.anchorSha256 === next.anchorSha256;
  const classification = !sameKeyAlgorithm
    ? 'key-type-change'
    : !sameIssuer || sameAnchor === false
      ? 'issuer-change'
      : sameKey
        ? 'same-key-renewal'
        : 're-key';
  return { classification, sameKey, sameKeyAlgorithm, sameIssuer, sameAnchor };
}
