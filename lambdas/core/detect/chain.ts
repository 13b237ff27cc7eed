/**
 * Trust: CHAIN_INVALID (the presented chain does not validate) and HOSTNAME_MISMATCH, once per leaf
 * (and per validation error code). An expired leaf is EXPIRED's business, not CHAIN_INVALID's.
 */
import type { ValidationErrorCode } from '../observation';
import { certFacts, type DetectContext, raise, sortedAddresses, touch } from './context';

/** Raises CHAIN_INVALID and HOSTNAME_MISMATCH for leaves served this cycle. */
export function checkChains(ctx: DetectContext): void {
  for (const [sha, served] of ctx.served.certs) {
    if (served.role !== 'leaf') continue;
    const record = ctx.records.get(sha);
    if (!record) continue;
    const invalid = new Map<string, { message: string; addresses: Set<string>; chain: string[] }>();
    const mismatched = new Set<string>();
    for (const o of served.observations) {
      if (o.hostnameMatch === false) mismatched.add(o.address);
      const v = o.validation;
      if (!v || v.trusted || v.error?.code === 'EXPIRED') continue;
      const code = v.error?.code ?? 'UNKNOWN';
      const entry = invalid.get(code) ?? {
        message: v.error?.message ?? 'no valid certificate path',
        addresses: new Set<string>(),
        chain: o.chain.map((c) => c.sha256),
      };
      entry.addresses.add(o.address);
      invalid.set(code, entry);
    }
    for (const [code, entry] of invalid) {
      const memo = `CHAIN_INVALID:${code}`;
      if (record.noticed.includes(memo)) continue;
      record.noticed = [...record.noticed, memo];
      touch(ctx, record);
      raise(ctx, 'CHAIN_INVALID', [sha, code], {
        keyType: served.keyType,
        cert: certFacts(ctx, record),
        chain: entry.chain,
        error: { code: code as ValidationErrorCode | 'UNKNOWN', message: entry.message },
        addresses: sortedAddresses(entry.addresses),
      });
    }
    if (mismatched.size > 0 && !record.noticed.includes('HOSTNAME_MISMATCH')) {
      record.noticed = [...record.noticed, 'HOSTNAME_MISMATCH'];
      touch(ctx, record);
      raise(ctx, 'HOSTNAME_MISMATCH', [sha], {
        keyType: served.keyType,
        cert: certFacts(ctx, record),
        expectedName: ctx.expectedName,
        addresses: sortedAddresses(mismatched),
      });
    }
  }
}
