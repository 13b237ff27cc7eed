/**
 * Log entries in both encodings: RFC 6962 §3.4 MerkleTreeLeaf (get-entries `leaf_input`, with its
 * `extra_data` chain) and static-ct-api data tiles (TileLeaf: the same TimestampedEntry followed by the
 * precertificate and the chain's fingerprints). Parsing slices the input without copying; the leaf hash
 * each entry contributes to the tree is computed on the way.
 */
import { createHash } from 'node:crypto';
import { CtError } from './errors';
import { HASH_SIZE } from './merkle';

/** One log entry, as far as certwatch reads it. Byte fields are views into the input. */
export interface LogEntry {
  /** The entry's index in the log. */
  index: number;
  /** The TimestampedEntry's timestamp (the SCT's), milliseconds since the epoch. */
  timestamp: number;
  kind: 'x509' | 'precert';
  /**
   * The TBSCertificate the entry commits to: for a precertificate the log's own `tbs_certificate` (poison
   * removed, issuer already that of the final certificate); for a certificate, its tbsCertificate is
   * inside `certificate` and is read on demand.
   */
  precertTbs: Uint8Array | null;
  /** The final certificate (x509 entries). */
  certificate: Uint8Array | null;
  /** SHA-256 of the issuing CA's SPKI (precertificate entries). */
  issuerKeyHash: Uint8Array | null;
  /** The submitted precertificate (data tiles, and get-entries' extra_data). */
  preCertificate: Uint8Array | null;
  /** The submitted chain: certificates (RFC 6962 extra_data), or their SHA-256 (data tiles). */
  chain: Uint8Array[];
  chainFingerprints: Uint8Array[];
  /** The Merkle leaf hash. */
  leafHash: Buffer;
}

/** The bytes a name filter scans: the TBS of a precertificate, the whole certificate otherwise. */
export function scanBytes(entry: LogEntry): Uint8Array {
  return (entry.precertTbs ?? entry.certificate) as Uint8Array;
}

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new CtError('CT_ENCODING_INVALID', `${what} runs past the end`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u24(what: string): number {
    this.need(3, what);
    const v = this.buf[this.pos] * 65536 + (this.buf[this.pos + 1] << 8) + this.buf[this.pos + 2];
    this.pos += 3;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return b[p] * 16777216 + (b[p + 1] << 16) + (b[p + 2] << 8) + b[p + 3];
  }

  u64(what: string): number {
    const value = this.u32(what) * 4294967296 + this.u32(what);
    if (!Number.isSafeInteger(value)) throw new CtError('CT_ENCODING_INVALID', `${what} is out of range`);
    return value;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  vector24(what: string, min = 0): Uint8Array {
    const n = this.u24(what);
    if (n < min) throw new CtError('CT_ENCODING_INVALID', `${what} is empty`);
    return this.bytes(n, what);
  }
}

const ENTRY_X509 = 0;
const ENTRY_PRECERT = 1;
const LEAF_PREFIX = Buffer.from([0x00, 0x00, 0x00]); // leaf hash prefix, version v1, timestamped_entry

/** What a TimestampedEntry holds; the reader is left just past it. */
function readTimestampedEntry(r: Reader) {
  const timestamp = r.u64('timestamp');
  const type = r.u16('entry_type');
  let certificate: Uint8Array | null = null;
  let issuerKeyHash: Uint8Array | null = null;
  let precertTbs: Uint8Array | null = null;
  if (type === ENTRY_X509) {
    certificate = r.vector24('certificate', 1);
  } else if (type === ENTRY_PRECERT) {
    issuerKeyHash = r.bytes(HASH_SIZE, 'issuer_key_hash');
    precertTbs = r.vector24('tbs_certificate', 1);
  } else {
    throw new CtError('CT_ENCODING_INVALID', `unknown entry type ${type}`);
  }
  const extensions = r.u16('extensions');
  r.bytes(extensions, 'extensions');
  return {
    timestamp,
    kind: type === ENTRY_X509 ? ('x509' as const) : ('precert' as const),
    certificate,
    issuerKeyHash,
    precertTbs,
  };
}

/**
 * Parses a data tile: exactly `count` TileLeaf entries filling the bytes, the first with index `firstIndex`.
 * Throws CT_ENCODING_INVALID for a truncated, oversized or malformed tile.
 */
export function parseDataTile(bytes: Uint8Array, firstIndex: number, count: number): LogEntry[] {
  const r = new Reader(bytes, 0, bytes.length);
  const entries: LogEntry[] = [];
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    const base = readTimestampedEntry(r);
    const leafHash = createHash('sha256').update(LEAF_PREFIX).update(bytes.subarray(start, r.pos)).digest();
    const preCertificate = base.kind === 'precert' ? r.vector24('pre_certificate', 1) : null;
    const chainBytes = r.u16('certificate_chain');
    if (chainBytes % HASH_SIZE !== 0) throw new CtError('CT_ENCODING_INVALID', 'a chain fingerprint is not 32 bytes');
    const chainFingerprints: Uint8Array[] = [];
    for (let n = 0; n < chainBytes / HASH_SIZE; n++) chainFingerprints.push(r.bytes(HASH_SIZE, 'fingerprint'));
    entries.push({ index: firstIndex + i, ...base, preCertificate, chain: [], chainFingerprints, leafHash });
  }
  if (r.pos !== bytes.length) {
    throw new CtError('CT_ENCODING_INVALID', `a data tile of ${count} entries has ${bytes.length - r.pos} bytes more`);
  }
  return entries;
}

/** Parses one get-entries item: `leaf_input` (a MerkleTreeLeaf) and `extra_data` (its chain). */
export function parseMerkleTreeLeaf(index: number, leafInput: Uint8Array, extraData: Uint8Array): LogEntry {
  const r = new Reader(leafInput, 0, leafInput.length);
  if (r.u8('version') !== 0) throw new CtError('CT_ENCODING_INVALID', 'a MerkleTreeLeaf is not v1');
  if (r.u8('leaf_type') !== 0) throw new CtError('CT_ENCODING_INVALID', 'a MerkleTreeLeaf is not a timestamped_entry');
  const base = readTimestampedEntry(r);
  if (r.pos !== leafInput.length) throw new CtError('CT_ENCODING_INVALID', 'bytes after a MerkleTreeLeaf');
  const leafHash = createHash('sha256')
    .update(Buffer.from([0]))
    .update(leafInput)
    .digest();
  const x = new Reader(extraData, 0, extraData.length);
  const preCertificate = base.kind === 'precert' ? x.vector24('pre_certificate', 1) : null;
  const chainLength = x.u24('certificate_chain');
  const chainEnd = x.pos + chainLength;
  x.need(chainLength, 'certificate_chain');
  const chain: Uint8Array[] = [];
  const c = new Reader(extraData, x.pos, chainEnd);
  while (c.pos < chainEnd) chain.push(c.vector24('chain certificate', 1));
  if (chainEnd !== extraData.length) throw new CtError('CT_ENCODING_INVALID', 'bytes after an entry chain');
  return { index, ...base, preCertificate, chain, chainFingerprints: [], leafHash };
}
