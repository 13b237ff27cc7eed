/**
 * A static-ct log's checkpoint: a C2SP signed note (c2sp.org/signed-note) whose text is a tlog
 * checkpoint (c2sp.org/tlog-checkpoint: origin, size, root) and whose log signature is an
 * RFC6962NoteSignature (c2sp.org/static-ct-api, "Checkpoints": key type 0x05, the key ID from the
 * origin and the LogID, a timestamp and a TreeHeadSignature).
 */
import { createHash } from 'node:crypto';
import { CtError } from './errors';
import { HASH_SIZE } from './merkle';
import { type LogKey, parseDigitallySigned, type TreeHead, verifyTreeHead } from './tree-head';

/** One signature line of a note. */
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Buffer;
}

/** A signed note split into its text (with the final newline) and its signature lines. */
export interface SignedNote {
  text: string;
  signatures: NoteSignature[];
}

/** More signature lines than this and the note is refused (the spec asks verifiers to take at least 16). */
export const MAX_NOTE_SIGNATURES = 64;

const SIGNATURE_TYPE_RFC6962 = 0x05;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function bad(message: string): never {
  throw new CtError('CT_ENCODING_INVALID', message);
}

/** Splits a signed note. Throws CT_ENCODING_INVALID for anything the spec does not allow. */
export function parseSignedNote(bytes: Uint8Array): SignedNote {
  let note: string;
  try {
    note = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    bad('a signed note is not UTF-8');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the spec forbids exactly these characters.
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) bad('a signed note holds control characters');
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) bad('a signed note has no signature block');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) bad(`a signed note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const match = /^\u2014 ([^\s+]+) (\S+)$/.exec(line);
    if (!match || !BASE64.test(match[2])) bad('a signed note has a malformed signature line');
    const raw = Buffer.from(match[2], 'base64');
    if (raw.length < 5) bad('a note signature is shorter than its key ID');
    return { name: match[1], keyId: raw.readUInt32BE(0), signature: raw.subarray(4) };
  });
  return { text, signatures };
}

/** A checkpoint's text. */
export interface CheckpointBody {
  origin: string;
  size: number;
  root: Buffer;
  extensions: string[];
}

/** Reads a checkpoint's note text (origin, size, root, extension lines). */
export function parseCheckpointText(text: string): CheckpointBody {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l === '')) bad('a checkpoint has fewer than three lines');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    bad(`a checkpoint's size '${sizeText.slice(0, 40)}' is not a decimal number`);
  }
  const root = BASE64.test(rootText) ? Buffer.from(rootText, 'base64') : null;
  if (!root || root.length !== HASH_SIZE || root.toString('base64') !== rootText) {
    bad("a checkpoint's root is not a base64 SHA-256 hash");
  }
  return { origin, size: Number(sizeText), root, extensions };
}

/** The key ID of an RFC6962NoteSignature: SHA-256(name || 0x0A || 0x05 || LogID)[:4], big-endian. */
export function rfc6962KeyId(name: string, logId: Uint8Array): number {
  return createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, SIGNATURE_TYPE_RFC6962]))
    .update(logId)
    .digest()
    .readUInt32BE(0);
}

/** The signature of an RFC6962NoteSignature (the test log signs with it). */
export function encodeRfc6962NoteSignature(timestamp: number, digitallySigned: Buffer): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(timestamp));
  return Buffer.concat([out, digitallySigned]);
}

/** A checkpoint that verified: the log's signed tree head. */
export interface VerifiedCheckpoint extends TreeHead {
  origin: string;
}

/**
 * Verifies a static-ct checkpoint with the log's key and expected origin (the submission prefix without
 * scheme and trailing slash). Signatures by other keys (witnesses) are ignored; one by the log's name and
 * key ID must be there and verify. Throws CT_ENCODING_INVALID or CT_SIGNATURE_INVALID.
 */
export function verifyCheckpoint(bytes: Uint8Array, key: LogKey, origin: string): VerifiedCheckpoint {
  const note = parseSignedNote(bytes);
  const body = parseCheckpointText(note.text);
  if (body.origin !== origin) bad(`the checkpoint's origin '${body.origin.slice(0, 80)}' is not '${origin}'`);
  if (body.extensions.length > 0) bad('a checkpoint signed with an RFC6962NoteSignature carries extension lines');
  const keyId = rfc6962KeyId(origin, key.logId);
  const ours = note.signatures.filter((s) => s.name === origin && s.keyId === keyId);
  if (ours.length === 0) {
    throw new CtError('CT_SIGNATURE_INVALID', `the checkpoint has no signature by the log's key (${origin})`);
  }
  let timestamp = 0;
  for (const signature of ours) {
    if (signature.signature.length < 8 + 4) bad('an RFC6962NoteSignature is truncated');
    timestamp = Number(signature.signature.readBigUInt64BE(0));
    if (!Number.isSafeInteger(timestamp)) bad('an RFC6962NoteSignature timestamp is out of range');
    const head = { size: body.size, timestamp, root: body.root };
    verifyTreeHead(key, head, parseDigitallySigned(signature.signature.subarray(8)));
  }
  return { origin, size: body.size, timestamp, root: body.root };
}
