import { createDecipheriv, createHmac } from 'node:crypto';

/** AEAD and hash of a TLS 1.3 cipher suite, as far as record decryption needs them. */
export interface Tls13Suite {
  aead: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  hash: 'sha256' | 'sha384';
  keyLength: number;
}

const SUITES: Record<string, Tls13Suite> = {
  TLS_AES_128_GCM_SHA256: { aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16 },
  TLS_AES_256_GCM_SHA384: { aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32 },
  TLS_CHACHA20_POLY1305_SHA256: { aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32 },
};

/** The TLS 1.3 suites whose records we can decrypt; the probe offers only these. */
export const DECRYPTABLE_TLS13_SUITES = Object.keys(SUITES).join(':');

/** Looks up a TLS 1.3 suite by IANA name. */
export function tls13Suite(name: string): Tls13Suite | undefined {
  return SUITES[name];
}

function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  let total = 0;
  for (let i = 1; total < length; i++) {
    previous = createHmac(hash, prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
    total += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label of RFC 8446 §7.1 with an empty context. */
export function hkdfExpandLabel(hash: string, secret: Buffer, label: string, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, fullLabel.length]),
    fullLabel,
    Buffer.from([0]),
  ]);
  return hkdfExpand(hash, secret, info, length);
}

/** Decrypts TLS 1.3 records protected with one traffic secret (RFC 8446 §5.2–5.3). */
export class Tls13RecordDecrypter {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private sequence = 0n;

  constructor(
    private readonly suite: Tls13Suite,
    trafficSecret: Buffer,
  ) {
    this.key = hkdfExpandLabel(suite.hash, trafficSecret, 'key', suite.keyLength);
    this.iv = hkdfExpandLabel(suite.hash, trafficSecret, 'iv', 12);
  }

  /**
   * Decrypts one application_data record and returns its inner content type and content.
   * @throws Error when authentication fails (wrong key or tampered record).
   */
  decrypt(header: Buffer, ciphertext: Buffer): { type: number; content: Buffer } {
    if (ciphertext.length < 17) throw new Error('encrypted record too short');
    const nonce = Buffer.from(this.iv);
    let seq = this.sequence++;
    for (let i = 11; i >= 4; i--) {
      nonce[i] ^= Number(seq & 0xffn);
      seq >>= 8n;
    }
    const decipher = createDecipheriv(this.suite.aead, this.key, nonce, { authTagLength: 16 } as never) as ReturnType<
      typeof createDecipheriv
    > & { setAuthTag(tag: Buffer): void; setAAD(aad: Buffer): void };
    decipher.setAAD(header);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw new Error('encrypted record has no content type');
    return { type: plain[end], content: plain.subarray(0, end) };
  }
}
