/**
 * The compact form of the serving mix in the `STATE` item (attribute `mix`, docs/history-table.md). The
 * evidence is read and written every cycle, and DynamoDB charges a write on the larger of the old and new
 * item, so the item must stay near 1 KB: one string per address × key type, numbers in base 36, times as
 * offsets from the cycle's instant (milliseconds) and from the key type's clock (hundredths of an hour),
 * decayed counts in hundredths, leaves by a 12-hex-digit prefix of their fingerprint (resolved against the
 * target's `CERT#` items when read).
 *
 * One entry: `<k><address> <at> <c> <h> <gap> <n> <f> <s>` then per leaf ` <id>:<at>:<h>:<n>:<f>:<s>:<m>:<q>:<g>:<r>:<k>`,
 * where
 * `k` is `r` (RSA) or `e` (ECDSA), `at` = milliseconds before `lastCycleAt`, `c` = key-type cycles before
 * its count, `h` = hundredths of a watched hour before its clock, `gap` = tenths of an hour, `n`/`s` =
 * hundredths, `m` = misses, `q`/`g`/`r`/`k` = hundredths. A negative offset is written with a leading `-`.
 *
 * The form before the fast counts (no `f` in the entry's head nor in its leaves) is read too, each fast
 * count taken as its window count: the share bound it gives is then the window's, as that release judged.
 */
import type { AddressEvidence, KeyTypeEvidence, LeafMix } from '../core/history';
import type { KeyType } from '../core/observation';
import { StoreError } from './errors';

/** Numbers in an entry's head (after the address), and fields of a leaf (its id first). */
const HEAD_FIELDS = 7;
const LEAF_FIELDS = 11;

/** Hex digits of a fingerprint kept in the compact form. */
export const LEAF_ID_LENGTH = 12;

const KEY_LETTER: Record<KeyType, string> = { rsa: 'r', ecdsa: 'e' };
const LETTER_KEY: Record<string, KeyType> = { r: 'rsa', e: 'ecdsa' };

function int(n: number): string {
  return Math.round(n).toString(36);
}

function parseInt36(text: string, what: string): number {
  if (!/^-?[0-9a-z]+$/.test(text)) throw new StoreError('ITEM_INVALID', `STATE mix: ${what} "${text}" is not a number`);
  return Number.parseInt(text, 36);
}

/** The base of one target's offsets: the last cycle's instant and each key type's counters. */
export interface MixBase {
  lastCycleAt: string | null;
  keyTypes: Partial<Record<KeyType, KeyTypeEvidence>>;
}

/** Encodes the evidence, one string per address × key type. */
export function encodeMix(evidence: readonly AddressEvidence[], base: MixBase): string[] {
  const at0 = base.lastCycleAt ? Date.parse(base.lastCycleAt) : 0;
  return evidence.map((e) => {
    const kt = base.keyTypes[e.keyType];
    const c0 = kt?.cycles ?? 0;
    const h0 = kt?.clock ?? 0;
    const ms = (at: string) => int(at0 - Date.parse(at));
    const hundredths = (h: number) => int((h0 - h) * 100);
    const head = [
      `${KEY_LETTER[e.keyType]}${e.address}`,
      ms(e.at),
      int(c0 - e.c),
      hundredths(e.h),
      int(e.gap * 10),
      int(e.n * 100),
      int(e.f * 100),
      int(e.s * 100),
    ];
    const leaves = e.leaves.map((l) =>
      [
        l.sha256.slice(0, LEAF_ID_LENGTH),
        ms(l.at),
        hundredths(l.h),
        int(l.n * 100),
        int(l.f * 100),
        int(l.s * 100),
        int(l.m),
        int(l.q * 100),
        int(l.g * 100),
        int(l.r * 100),
        int(l.k * 100),
      ].join(':'),
    );
    return [...head, ...leaves].join(' ');
  });
}

/**
 * Decodes the evidence; `fingerprints` are the target's stored certificates (a prefix resolves to the one
 * fingerprint it starts; an unknown prefix is kept as it is and matches no record).
 */
export function decodeMix(
  entries: readonly string[],
  base: MixBase,
  fingerprints: readonly string[],
): AddressEvidence[] {
  const at0 = base.lastCycleAt ? Date.parse(base.lastCycleAt) : 0;
  const byPrefix = new Map(fingerprints.map((sha) => [sha.slice(0, LEAF_ID_LENGTH), sha]));
  return entries.map((text) => {
    const [head, ...rest] = text.split(' ');
    const keyType = LETTER_KEY[head?.[0] ?? ''];
    const numbers = rest.findIndex((part) => part.includes(':'));
    const fields = numbers < 0 ? rest.length : numbers;
    if (!keyType || (fields !== HEAD_FIELDS && fields !== HEAD_FIELDS - 1))
      throw new StoreError('ITEM_INVALID', `STATE mix: entry "${text}" is not evidence`);
    // Written before the fast counts: no `f`, read as the window count `n`.
    const fast = fields === HEAD_FIELDS;
    const kt = base.keyTypes[keyType];
    const c0 = kt?.cycles ?? 0;
    const h0 = kt?.clock ?? 0;
    const iso = (t: string) => new Date(at0 - parseInt36(t, 'time')).toISOString();
    const clock = (t: string) => Math.round((h0 - parseInt36(t, 'clock') / 100) * 100) / 100;
    const withFast = (parts: string[], at: number) =>
      fast ? parts : [...parts.slice(0, at), parts[at - 1], ...parts.slice(at)];
    const [at, c, h, gap, n, f, s, ...leafTexts] = withFast(rest, 5);
    const leaves: LeafMix[] = leafTexts.map((leafText) => {
      const parts = leafText.split(':');
      if (parts.length !== (fast ? LEAF_FIELDS : LEAF_FIELDS - 1))
        throw new StoreError('ITEM_INVALID', `STATE mix: leaf "${leafText}" is not evidence`);
      const [id, lAt, lH, lN, lF, lS, lM, lQ, lG, lR, lK] = withFast(parts, 4);
      return {
        sha256: byPrefix.get(id) ?? id,
        at: iso(lAt),
        h: clock(lH),
        n: parseInt36(lN, 'count') / 100,
        f: parseInt36(lF, 'count') / 100,
        s: parseInt36(lS, 'count') / 100,
        m: parseInt36(lM, 'misses'),
        q: parseInt36(lQ, 'share') / 100,
        g: parseInt36(lG, 'gap') / 100,
        r: parseInt36(lR, 'runs') / 100,
        k: parseInt36(lK, 'burstiness') / 100,
      };
    });
    return {
      address: head.slice(1),
      keyType,
      at: iso(at),
      c: c0 - parseInt36(c, 'cycles'),
      h: clock(h),
      gap: parseInt36(gap, 'gap') / 10,
      n: parseInt36(n, 'count') / 100,
      f: parseInt36(f, 'count') / 100,
      s: parseInt36(s, 'count') / 100,
      leaves,
    };
  });
}
