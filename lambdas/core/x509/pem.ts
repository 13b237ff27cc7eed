/**
 * PEM ⇄ DER for certificates (RFC 7468), tolerant of the text tools print around the blocks.
 */
import { CoreError } from '../errors';

const BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Every CERTIFICATE block of `text`, decoded, in order. Text between blocks (such as
 * `openssl s_client -showcerts` output or bundle comments) is ignored; other PEM types are skipped.
 * Throws CoreError CHAIN_UNPARSEABLE when a block is not clean base64 or is left unterminated.
 */
export function pemToDerList(text: string): Buffer[] {
  const ders: Buffer[] = [];
  let index = 0;
  let lastEnd = 0;
  for (const match of text.matchAll(BLOCK)) {
    const body = match[1].replace(/\s+/g, '');
    if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) {
      throw new CoreError('CHAIN_UNPARSEABLE', `PEM certificate block ${index + 1} is not valid base64`);
    }
    ders.push(Buffer.from(body, 'base64'));
    index++;
    lastEnd = (match.index ?? 0) + match[0].length;
  }
  if (text.indexOf('-----BEGIN CERTIFICATE-----', lastEnd) !== -1) {
    throw new CoreError('CHAIN_UNPARSEABLE', `PEM certificate block ${index + 1} has no END line`);
  }
  return ders;
}

/** PEM text of one certificate, 64 characters per line, ending with a newline. */
export function derToPem(der: Uint8Array): string {
  const lines =
    Buffer.from(der.buffer, der.byteOffset, der.byteLength)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
