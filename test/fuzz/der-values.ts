/**
 * The values the DER mutators plant: lying length fields, deep nesting, awkward integers, odd strings,
 * impossible times and broken object identifiers — each a short list of the cases parsers get wrong.
 */
import { encodeLength, oidNode } from './der-tree';
import type { Rng } from './prng';

/** Universal tags of the string types (UTF8, Numeric, Printable, T61, IA5, Visible, Universal, BMP). */
export const STRING_TAGS = [0x0c, 0x12, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e];
/** UTCTime and GeneralizedTime. */
export const TIME_TAGS = [0x17, 0x18];
/** OIDs the parsers act on: extensions, signature and key algorithms, curves, name attributes, EKUs. */
// biome-ignore format: a table
export const KNOWN_OIDS = [
  '2.5.29.19', '2.5.29.15', '2.5.29.37', '2.5.29.17', '2.5.29.14', '2.5.29.35', '2.5.29.30', '2.5.29.32',
  '2.5.29.31', '1.3.6.1.5.5.7.1.1', '1.3.6.1.4.1.11129.2.4.2', '2.5.29.36', '2.5.29.54', '1.3.6.1.5.5.7.1.24',
  '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.10', '1.2.840.10045.4.3.2', '1.3.101.112', '1.2.840.113549.1.1.5',
  '1.2.840.113549.1.1.4', '1.2.840.10040.4.3', '1.2.840.113549.1.1.1', '1.2.840.10045.2.1', '1.3.101.113',
  '1.2.840.10040.4.1', '1.2.840.10045.3.1.7', '1.3.132.0.34', '1.3.132.0.35', '1.3.132.0.10', '2.5.4.3', '2.5.4.6',
  '2.5.4.10', '1.2.840.113549.1.9.1', '0.9.2342.19200300.100.1.25', '1.3.6.1.5.5.7.3.1', '2.5.29.37.0',
];
/** Times that are impossible, out of range, or not in the DER form (fractions, offsets, no Z). */
// biome-ignore format: a table
export const TIMES = [
  '000000000000Z', '991231235959Z', '491231235959Z', '500101000000Z', '99991231235959Z', '00000101000000Z',
  '20250230000000Z', '2025010100000Z', '20250101000000.123Z', '20250101000000+0100', '', '2025', '250101000000',
  '20251301000000Z', '20250101246060Z', '9999999999999999999999Z', '-0001010100000Z', '20250101000000.Z',
];

/** Length octets that disagree with the content: off by one, zero, indefinite, non-minimal, 4 GiB. */
export function lie(rng: Rng, actual: number): Buffer {
  return rng.pick([
    () => Buffer.from([Math.max(0, Math.min(0x7f, actual + rng.pick([-1, 1, 2, -2])))]),
    () => Buffer.from([0x00]),
    () => Buffer.from([0x80]),
    () => Buffer.from([0x81, actual & 0xff]),
    () => Buffer.from([0x82, (actual + 1) >> 8, (actual + 1) & 0xff]),
    () => Buffer.from([0x84, 0xff, 0xff, 0xff, 0xff]),
    () => Buffer.from([0x85, 0, 0, 0, 0, 1]),
    () => Buffer.from([0x82, 0x00, actual & 0x7f]),
    () => Buffer.from([0xff]),
  ])();
}

/** `depth` nested constructed elements around a NULL, DER or BER (indefinite lengths). */
export function nest(rng: Rng, depth: number): Buffer {
  const tag = rng.pick([0x30, 0x31, 0xa0, 0x24, 0xa3]);
  if (rng.chance(0.3)) {
    // BER indefinite lengths: what DER forbids and asn1js still accepts.
    return Buffer.concat([Buffer.alloc(depth * 2, Buffer.from([tag, 0x80])), Buffer.alloc(depth * 2, 0)]);
  }
  // Headers only, computed inside out and joined once: re-encoding each level would be quadratic.
  const headers: Buffer[] = [];
  let size = 2;
  for (let i = 0; i < depth; i++) {
    const header = Buffer.concat([Buffer.from([tag]), encodeLength(size)]);
    headers.push(header);
    size += header.length;
  }
  return Buffer.concat([...headers.reverse(), Buffer.from([0x05, 0x00])]);
}

/** INTEGER contents: empty, negative, non-minimal, 2⁶³, and up to 30,000 octets. */
export function hugeInteger(rng: Rng): Buffer {
  return rng.pick([
    () => Buffer.alloc(0),
    () => Buffer.from([0xff]),
    () => Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0]),
    () => Buffer.from([0x00, 0x00, 0x01]),
    () => Buffer.from([0x7f, 0xff, 0xff, 0xff]),
    () => Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    () => Buffer.concat([Buffer.from([rng.chance(0.5) ? 0x80 : 0x7f]), rng.bytes(rng.pick([21, 64, 513, 4097]))]),
    () => Buffer.alloc(rng.pick([1000, 8000, 30000]), rng.pick([0xff, 0x00, 0x7f])),
  ])();
}

/** String contents: invalid UTF-8, lone surrogates, NULs, escapes, odd lengths, up to 40,000 octets. */
export function oddString(rng: Rng): Buffer {
  return rng.pick([
    () => Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]),
    () => Buffer.from([0xd8, 0x00, 0x00, 0x41]),
    () => Buffer.from([0x00, 0x11, 0x00, 0x00]),
    () => Buffer.from([0x41, 0x00, 0x42]),
    () => Buffer.from('\u0000\u0001\u001b[31m\r\n,+"\\<>;#= '),
    () => Buffer.alloc(rng.pick([1024, 16000, 40000]), rng.pick([0x01, 0x41, 0xe9, 0x00])),
    () => Buffer.from('*.*.ex\u0000ample.com'),
    () => rng.bytes(rng.range(1, 40)),
    () => Buffer.alloc(0),
  ])();
}

/** OBJECT IDENTIFIER contents: empty, non-minimal, truncated, 3,000-octet arcs, known and private OIDs. */
export function oidContent(rng: Rng): Buffer {
  return rng.pick([
    () => Buffer.alloc(0),
    () => Buffer.from([0x80, 0x80, 0x01]),
    () => Buffer.from([0x2a, 0x86]),
    () => Buffer.concat([Buffer.from([0x2a]), Buffer.alloc(rng.pick([10, 100, 3000]), 0xff), Buffer.from([0x7f])]),
    () => oidNode(rng.pick(KNOWN_OIDS)).content,
    () => oidNode(`1.3.6.1.4.1.${rng.int(1e6)}.${rng.int(1e6)}`).content,
  ])();
}
