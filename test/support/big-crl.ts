/**
 * A CRL of any size, written to a file piece by piece (never held whole), signed by a real CA key: what
 * `openssl ca -gencrl` would take minutes to produce for a million entries. Each entry is a 16-octet
 * serial, a revocation date and a reasonCode extension; the serials asked for are placed among them.
 * openssl verifies a small one made the same way (test/integration/revocation-large.test.ts).
 */
import { createSign } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { certificateParts } from '../../lambdas/core/x509/der';

/** ecdsa-with-SHA256 AlgorithmIdentifier. */
const ECDSA_SHA256 = Buffer.from('300a06082a8648ce3d040302', 'hex');
const REASON_KEY_COMPROMISE = Buffer.from('300c300a0603551d1504030a0101', 'hex');

function header(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([header(tag, content.length), content]);
}

function utcTime(date: Date): Buffer {
  const text = `${date.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

/** One entry: serial (INTEGER content octets, as in the certificate), date, keyCompromise. */
function entry(serial: Buffer, at: Buffer): Buffer {
  return tlv(0x30, Buffer.concat([tlv(0x02, serial), at, REASON_KEY_COMPROMISE]));
}

/** What to make. */
export interface BigCrlOptions {
  /** The CA certificate (DER) and its EC P-256 private key (PEM file). */
  caDer: Buffer;
  caKeyPath: string;
  /** Entries in the list. */
  entries: number;
  /** Serials (INTEGER content octets, as certificates carry them) to list among the filler ones. */
  include: Buffer[];
  thisUpdate: Date;
  nextUpdate: Date;
  out: string;
}

/** A serial that is not asked for: 0x00, 0x80 | counter octets (minimal DER: 17 content octets). */
function fillerSerial(i: number): Buffer {
  const octets = Buffer.alloc(17);
  octets[1] = 0x80;
  octets.writeUInt32BE(i >>> 0, 13);
  return octets;
}

const BATCH = 4096;

/** The signed part, piece by piece: the same pieces each time. */
function* tbsPieces(options: BigCrlOptions): Generator<Buffer> {
  const issuer = certificateParts(options.caDer).issuer;
  const at = utcTime(options.thisUpdate);
  const template = entry(fillerSerial(0), at);
  // Where the serial's counter octets sit in an entry: after the entry and INTEGER headers and 13 octets.
  const counterAt = 2 + 2 + 13;
  const included = options.include.slice(0, options.entries);
  const listLength =
    template.length * (options.entries - included.length) + included.reduce((n, s) => n + entry(s, at).length, 0);
  const fixed = Buffer.concat([
    tlv(0x02, Buffer.from([1])),
    ECDSA_SHA256,
    Buffer.from(issuer),
    utcTime(options.thisUpdate),
    utcTime(options.nextUpdate),
  ]);
  const listHeader = header(0x30, listLength);
  yield header(0x30, fixed.length + listHeader.length + listLength);
  yield fixed;
  yield listHeader;
  const every = Math.max(1, Math.floor(options.entries / (included.length + 1)));
  let next = 0;
  let batch: Buffer[] = [];
  let fillers = Buffer.alloc(0);
  let used = 0;
  const flush = () => {
    if (used > 0) batch.push(fillers.subarray(0, used));
    fillers = Buffer.alloc(template.length * BATCH);
    used = 0;
  };
  flush();
  for (let i = 0; i < options.entries; i++) {
    const wanted = ((i + 1) % every === 0 && next < included.length) || options.entries - i === included.length - next;
    if (wanted) {
      flush();
      batch.push(entry(included[next++], at));
    } else {
      template.copy(fillers, used);
      fillers.writeUInt32BE(i >>> 0, used + counterAt);
      used += template.length;
      if (used === fillers.length) flush();
    }
    if (batch.length >= 8) {
      yield Buffer.concat(batch);
      batch = [];
    }
  }
  flush();
  if (batch.length > 0) yield Buffer.concat(batch);
}

/** Writes the CRL to `options.out` (two passes: sign, then write); returns its size in octets. */
export function writeBigCrl(options: BigCrlOptions): number {
  const signer = createSign('sha256');
  let tbsLength = 0;
  for (const piece of tbsPieces(options)) {
    signer.update(piece);
    tbsLength += piece.length;
  }
  const signature = tlv(0x03, Buffer.concat([Buffer.from([0]), signer.sign(readFileSync(options.caKeyPath, 'utf8'))]));
  const fd = openSync(options.out, 'w');
  try {
    const outer = header(0x30, tbsLength + ECDSA_SHA256.length + signature.length);
    writeSync(fd, outer);
    for (const piece of tbsPieces(options)) writeSync(fd, piece);
    writeSync(fd, ECDSA_SHA256);
    writeSync(fd, signature);
    return outer.length + tbsLength + ECDSA_SHA256.length + signature.length;
  } finally {
    closeSync(fd);
  }
}
