/**
 * Rotation: certificates appearing (NEW_CERTIFICATE, ISSUER_CHANGED) and leaving (CERTIFICATE_RETIRED).
 * During a rollout old and new leaves alternate across addresses and cycles; a certificate is only
 * called gone after `retireAfterCycles` consecutive cycles in which its key type answered without it.
 */
import type { CertRecord } from '../history';
import type { RotationFacts } from '../notice';
import { activeLeaves, certFacts, type DetectContext, raise, sortedAddresses, touch } from './context';
import { type ServedCert, servedLeaves } from './served';

/** Creates, re-activates and extends the records of everything served this cycle. */
export function recordServed(ctx: DetectContext): void {
  for (const [sha, served] of ctx.served.certs) {
    const existing = ctx.records.get(sha);
    if (!existing) {
      ctx.records.set(sha, newRecord(ctx, served));
      ctx.changed.add(sha);
      if (served.role === 'leaf') ctx.newLeaves.push(sha);
      continue;
    }
    const addresses = sortedAddresses([...existing.addresses, ...served.addresses]);
    const missedBefore = (ctx.prev.missing[sha] ?? 0) > 0;
    if (existing.status === 'retired' || addresses.length !== existing.addresses.length || missedBefore) {
      existing.addresses = addresses;
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
    rev: 0,
  };
}

/**
 * Counts cycles in which an active certificate was not served although its key type answered, and
 * retires it after `retireAfterCycles`. A cycle in which the key type did not answer at all (network
 * trouble) counts neither way.
 */
export function retireMissing(ctx: DetectContext): void {
  for (const sha of ctx.activeBefore) {
    const record = ctx.records.get(sha);
    if (!record || ctx.served.certs.has(sha)) continue;
    const before = ctx.prev.missing[sha] ?? 0;
    if (!ctx.served.answeredKeyTypes.has(record.keyType)) {
      if (before > 0) ctx.missing[sha] = before;
      continue;
    }
    if (!ctx.advances) {
      if (before > 0) ctx.missing[sha] = before;
      continue;
    }
    const missed = before + 1;
    if (before === 0 && ctx.prev.lastCycleAt && ctx.prev.lastCycleAt > record.lastSeen) {
      // Last chance to record when it was really last seen: later cycles no longer serve it.
      record.lastSeen = ctx.prev.lastCycleAt;
      touch(ctx, record);
    }
    if (missed < ctx.config.retireAfterCycles) {
      ctx.missing[sha] = missed;
      continue;
    }
    record.status = 'retired';
    record.retiredAt = ctx.nowIso;
    touch(ctx, record);
    if (record.role !== 'leaf') continue;
    raise(ctx, 'CERTIFICATE_RETIRED', [sha, `v${ctx.prev.version}`], {
      keyType: record.keyType,
      cert: certFacts(ctx, record),
      firstSeen: record.firstSeen,
      lastSeen: record.lastSeen,
      missedCycles: missed,
      addresses: [...record.addresses],
      successors: servedLeaves(ctx.served, record.keyType).map((s) => certFacts(ctx, s.cert, 'leaf')),
    });
  }
}

/** NEW_CERTIFICATE for each leaf first seen this cycle, and ISSUER_CHANGED when its chain moved. */
export function announceNewLeaves(ctx: DetectContext): void {
  if (ctx.baseline) return;
  for (const sha of ctx.newLeaves) {
    const served = ctx.served.certs.get(sha);
    if (!served) continue;
    const { keyType } = served;
    const replaces = predecessors(ctx, served);
    const previous = replaces[0];
    const newRecordOf = ctx.records.get(sha);
    const rotation = previous && newRecordOf ? classifyRotation(previous, newRecordOf) : null;
    const answering = ctx.served.addressesByKeyType.get(keyType) ?? new Set<string>();
    raise(ctx, 'NEW_CERTIFICATE', [sha], {
      keyType,
      cert: certFacts(ctx, served.cert, 'leaf'),
      chain: served.observations[0]?.chain.map((c) => c.sha256) ?? [],
      anchor: newRecordOf?.anchor ?? null,
      replaces: replaces.map((r) => certFacts(ctx, r)),
      rotation,
      rollout: { addresses: sortedAddresses(served.addresses), serving: served.addresses.size, total: answering.size },
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
 * The leaves a new one replaces: what the same addresses served last cycle for that key type, else
 * every leaf of that key type that was active before this cycle.
 */
function predecessors(ctx: DetectContext, served: ServedCert): CertRecord[] {
  const wasActive = (r: CertRecord | undefined): r is CertRecord =>
    r !== undefined && r.sha256 !== served.cert.sha256 && ctx.activeBefore.has(r.sha256);
  const bySlot = ctx.prev.slots
    .filter((s) => s.keyType === served.keyType && s.sha256 && served.addresses.has(s.address))
    .map((s) => ctx.records.get(s.sha256 as string))
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
