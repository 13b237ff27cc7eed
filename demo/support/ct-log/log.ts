/**
 * A Certificate Transparency log for tests and the demo: it takes precertificates and certificates (as
 * a CA submits them), returns SCTs, sequences entries, and publishes signed tree heads (ECDSA P-256) on
 * request — an RFC 6962 log may hold entries back up to its MMD; a static-ct log publishes at once. Its
 * Merkle tree and encodings are its own (merkle.ts, encode.ts), not certwatch's. server.ts serves it over
 * HTTP in either protocol; `faults` make it misbehave.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { removePoison, u8, u16, u40, u64, vec16, vec24 } from './encode';
import { TestTree } from './merkle';

/** The protocols a log speaks. */
export type TestLogProtocol = 'rfc6962' | 'static-ct';

/** One sequenced entry. */
export interface TestLogEntry {
  timestamp: number;
  kind: 'x509' | 'precert';
  /** x509: the certificate; precert: the TBS without poison. */
  body: Buffer;
  issuerKeyHash: Buffer | null;
  precertificate: Buffer | null;
  chain: Buffer[];
  /** CtExtensions (static-ct: the leaf_index extension). */
  extensions: Buffer;
}

/** A published tree head. */
export interface TestTreeHead {
  size: number;
  timestamp: number;
  root: Buffer;
  /** The `digitally-signed` TreeHeadSignature. */
  signature: Buffer;
}

/** How the log misbehaves (server.ts applies the transport ones). */
export interface TestLogFaults {
  /** Sign tree heads with another key. */
  forgeSignature?: boolean;
  /** Delay every answer by this long. */
  delayMs?: number;
  /** Never answer (the connection stays open until the server closes). */
  hang?: boolean;
  /** Data tiles: cut short, with bytes added, or a gzip bomb (a small body that inflates to 64 MiB). */
  dataTile?: 'truncate' | 'oversize' | 'gzip-bomb';
  /** Hash tiles: cut short. */
  hashTile?: 'truncate';
  /**
   * Tiles are written for every entry sequenced, ahead of the published head, and a partial tile is
   * dropped (404) once its full tile exists — as the spec allows.
   */
  partialsGone?: boolean;
  /** Answer every request with this HTTP status. */
  status?: number;
  /** Serve this entry altered (its timestamp changed) while the tree keeps the real one. */
  alterEntry?: number;
}

/** What a submission returns. */
export interface Submitted {
  index: number;
  timestamp: number;
  /** The serialized SignedCertificateTimestamp. */
  sct: Buffer;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

function digitallySigned(key: KeyObject, data: Buffer): Buffer {
  return Buffer.concat([u8(4), u8(3), vec16(sign('sha256', data, key))]);
}

/** Options of a log. */
export interface TestLogOptions {
  /** The description in the log list (its URL path segment is made from it). */
  name: string;
  protocol: TestLogProtocol;
  /** The clock (ms); timestamps of entries and tree heads. */
  now: () => number;
  /** Maximum merge delay in seconds, for the list (default 86400 for RFC 6962, 60 for static-ct). */
  mmd?: number;
  operator?: string;
}

/** One test log. */
export class TestCtLog {
  readonly name: string;
  /** The name as a URL path segment (where server.ts serves the log). */
  readonly slug: string;
  readonly protocol: TestLogProtocol;
  readonly operator: string;
  readonly mmd: number;
  /** The checkpoint origin (static-ct): the submission prefix without scheme. */
  readonly origin: string;
  readonly spki: Buffer;
  readonly logId: Buffer;
  readonly entries: TestLogEntry[] = [];
  readonly tree = new TestTree();
  faults: TestLogFaults = {};
  /** The list's state for this log. */
  state: 'usable' | 'qualified' | 'readonly' | 'retired' = 'usable';
  private readonly key: KeyObject;
  private readonly otherKey: KeyObject;
  private head: TestTreeHead | null = null;
  private readonly now: () => number;

  constructor(options: TestLogOptions) {
    this.name = options.name;
    this.slug = options.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    this.protocol = options.protocol;
    this.operator = options.operator ?? 'certwatch tests';
    this.mmd = options.mmd ?? (options.protocol === 'rfc6962' ? 86_400 : 60);
    this.origin = `ct.test/${this.slug}`;
    this.now = options.now;
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = pair.privateKey;
    this.otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    this.spki = pair.publicKey.export({ type: 'spki', format: 'der' });
    this.logId = sha(this.spki);
  }

  /** Entries sequenced (published or not). */
  get size(): number {
    return this.entries.length;
  }

  /** The tree head last published, or null before the first. */
  get published(): TestTreeHead | null {
    return this.head;
  }

  private signedEntry(entry: TestLogEntry): Buffer {
    return entry.kind === 'x509'
      ? vec24(entry.body)
      : Buffer.concat([entry.issuerKeyHash as Buffer, vec24(entry.body)]);
  }

  /** The TimestampedEntry of an entry. */
  timestampedEntry(index: number): Buffer {
    const e = this.entries[index];
    return Buffer.concat([u64(e.timestamp), u16(e.kind === 'x509' ? 0 : 1), this.signedEntry(e), vec16(e.extensions)]);
  }

  /** The MerkleTreeLeaf of an entry (get-entries' `leaf_input`). */
  merkleTreeLeaf(index: number): Buffer {
    return Buffer.concat([u8(0), u8(0), this.timestampedEntry(index)]);
  }

  /** What the server sends for an entry: the real one, or an altered one under the `alterEntry` fault. */
  served(index: number, bytes: Buffer, timestampAt: number): Buffer {
    if (this.faults.alterEntry !== index) return bytes;
    const out = Buffer.from(bytes);
    out[timestampAt + 7] ^= 1;
    return out;
  }

  /** get-entries' `extra_data`. */
  extraData(index: number): Buffer {
    const e = this.entries[index];
    const chain = vec24(Buffer.concat(e.chain.map(vec24)));
    return e.kind === 'x509' ? chain : Buffer.concat([vec24(e.precertificate as Buffer), chain]);
  }

  /** A data tile's TileLeaf of an entry. */
  tileLeaf(index: number): Buffer {
    const e = this.entries[index];
    const pre = e.kind === 'precert' ? vec24(e.precertificate as Buffer) : Buffer.alloc(0);
    return Buffer.concat([this.timestampedEntry(index), pre, vec16(Buffer.concat(e.chain.map(sha)))]);
  }

  private sequence(entry: Omit<TestLogEntry, 'extensions' | 'timestamp'>): Submitted {
    const index = this.entries.length;
    const timestamp = Math.max(this.now(), this.entries.at(-1)?.timestamp ?? 0);
    // static-ct-api: the leaf_index extension (type 0, five bytes); RFC 6962 logs send none.
    const extensions = this.protocol === 'static-ct' ? Buffer.concat([u8(0), vec16(u40(index))]) : Buffer.alloc(0);
    const full: TestLogEntry = { ...entry, timestamp, extensions };
    this.entries.push(full);
    this.tree.appendLeaf(this.merkleTreeLeaf(index));
    const signedInput = Buffer.concat([
      u8(0),
      u8(0),
      u64(timestamp),
      u16(full.kind === 'x509' ? 0 : 1),
      this.signedEntry(full),
      vec16(extensions),
    ]);
    const sct = Buffer.concat([
      u8(0),
      this.logId,
      u64(timestamp),
      vec16(extensions),
      digitallySigned(this.key, signedInput),
    ]);
    if (this.protocol === 'static-ct') this.publish();
    return { index, timestamp, sct };
  }

  /** add-pre-chain: a precertificate issued by `chain[0]` (whose SPKI hashes to `issuerKeyHash`). */
  addPrecert(precertificate: Buffer, chain: Buffer[], issuerKeyHash: Buffer): Submitted {
    return this.sequence({
      kind: 'precert',
      body: removePoison(precertificate),
      issuerKeyHash,
      precertificate,
      chain,
    });
  }

  /** add-chain: a final certificate. */
  addCertificate(certificate: Buffer, chain: Buffer[]): Submitted {
    return this.sequence({ kind: 'x509', body: certificate, issuerKeyHash: null, precertificate: null, chain });
  }

  /** Entries nobody watches (random certificate-sized blobs), as other CAs' traffic. */
  addFiller(count: number, random: () => number = Math.random): void {
    for (let i = 0; i < count; i++) {
      const body = Buffer.alloc(600 + Math.floor(random() * 1000));
      for (let b = 0; b < body.length; b++) body[b] = Math.floor(random() * 256);
      body[0] = 0x30;
      this.sequence({ kind: 'x509', body, issuerKeyHash: null, precertificate: null, chain: [] });
    }
  }

  /** Signs and publishes a tree head at `size` (default: everything sequenced). */
  publish(size = this.entries.length): TestTreeHead {
    const timestamp = Math.max(this.now(), this.head?.timestamp ?? 0);
    const root = this.tree.hash(0, size);
    const input = Buffer.concat([u8(0), u8(1), u64(timestamp), u64(size), root]);
    const signature = digitallySigned(this.faults.forgeSignature ? this.otherKey : this.key, input);
    this.head = { size, timestamp, root, signature };
    return this.head;
  }

  /** Rewrites an entry in the past and publishes the forked tree: a log that lies. */
  fork(index: number): void {
    this.entries[index] = { ...this.entries[index], timestamp: this.entries[index].timestamp + 1 };
    this.tree.replaceLeaf(index, this.merkleTreeLeaf(index));
    this.publish();
  }

  /** The checkpoint (static-ct): a signed note with an RFC6962NoteSignature. */
  checkpoint(): string {
    const head = this.head ?? this.publish(0);
    const text = `${this.origin}\n${head.size}\n${head.root.toString('base64')}\n`;
    const keyId = sha(Buffer.concat([Buffer.from(this.origin), u8(0x0a), u8(0x05), this.logId])).subarray(0, 4);
    const signature = Buffer.concat([keyId, u64(head.timestamp), head.signature]).toString('base64');
    return `${text}\n\u2014 ${this.origin} ${signature}\n`;
  }

  /** The get-sth answer. */
  sth(): object {
    const head = this.head ?? this.publish(0);
    return {
      tree_size: head.size,
      timestamp: head.timestamp,
      sha256_root_hash: head.root.toString('base64'),
      tree_head_signature: head.signature.toString('base64'),
    };
  }

  /** The log's object in a Chrome v3 log list, pointing at `url` (where server.ts serves it). */
  listEntry(url: string): object {
    const state: Record<string, object> = { [this.state]: { timestamp: new Date(this.now()).toISOString() } };
    if (this.state === 'readonly' && this.head) {
      state.readonly = {
        timestamp: new Date(this.now()).toISOString(),
        final_tree_head: { sha256_root_hash: this.head.root.toString('base64'), tree_size: this.head.size },
      };
    }
    const common = {
      description: this.name,
      log_id: this.logId.toString('base64'),
      key: this.spki.toString('base64'),
      mmd: this.mmd,
      state,
    };
    return this.protocol === 'rfc6962'
      ? { ...common, url }
      : { ...common, submission_url: `https://${this.origin}/`, monitoring_url: url };
  }
}
