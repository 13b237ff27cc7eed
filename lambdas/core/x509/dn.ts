/**
 * Distinguished names read straight from their DER: a one-line display form that matches OpenSSL's
 * (`-nameopt esc_2253,esc_ctrl,utf8,dump_nostr,dump_der,sep_comma_plus_space,sname`), and a canonical
 * key for issuer/subject matching that, like OpenSSL and RFC 5280 §7.1, ignores string type, case
 * and surplus whitespace.
 */
import {
  children,
  content,
  DerError,
  decodeOid,
  encoding,
  expectTag,
  readTlv,
  TAG_OID,
  TAG_SEQUENCE,
  TAG_SET,
} from './der';
import { NAME_ATTRIBUTES } from './oids';

interface Ava {
  oid: string;
  tag: number;
  value: Uint8Array;
  /** The whole value encoding, for types shown as hex. */
  der: Uint8Array;
}

function parseName(der: Uint8Array): Ava[][] {
  const name = expectTag(readTlv(der, 0), TAG_SEQUENCE, 'Name');
  if (name.end !== der.length) throw new DerError('trailing octets after Name');
  return children(der, name).map((rdn) => {
    expectTag(rdn, TAG_SET, 'RelativeDistinguishedName');
    return children(der, rdn).map((atv) => {
      const [type, value] = children(der, expectTag(atv, TAG_SEQUENCE, 'AttributeTypeAndValue'));
      if (!type || !value) throw new DerError('AttributeTypeAndValue: expected type and value');
      return {
        oid: decodeOid(content(der, expectTag(type, TAG_OID, 'attribute type'))),
        tag: value.tag,
        value: content(der, value),
        der: encoding(der, value),
      };
    });
  });
}

// String types and their code unit width, as OpenSSL's tag2nbyte table; anything else is dumped as hex.
const STRING_WIDTH: Readonly<Record<number, number>> = {
  12: 0, // UTF8String
  18: 1, // NumericString
  19: 1, // PrintableString
  20: 1, // T61String (OpenSSL reads it as Latin-1)
  22: 1, // IA5String
  23: 1, // UTCTime
  24: 1, // GeneralizedTime
  26: 1, // VisibleString
  28: 4, // UniversalString
  30: 2, // BMPString
};

const utf8 = new TextDecoder('utf-8');

function decodeString(tag: number, value: Uint8Array): string | null {
  const width = STRING_WIDTH[tag];
  if (width === undefined) return null;
  if (width === 0) return utf8.decode(value);
  if (width === 1) return String.fromCharCode(...value);
  if (value.length % width !== 0) return null;
  const codes: number[] = [];
  for (let i = 0; i < value.length; i += width) {
    codes.push(
      width === 2
        ? (value[i] << 8) | value[i + 1]
        : value[i] * 0x1000000 + ((value[i + 1] << 16) | (value[i + 2] << 8) | value[i + 3]),
    );
  }
  try {
    return String.fromCodePoint(...codes);
  } catch {
    return null;
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

function escapeValue(text: string): string {
  let out = '';
  const chars = [...text];
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0) ?? 0;
    if (',+"\\<>;'.includes(ch)) out += `\\${ch}`;
    else if ((i === 0 && (ch === '#' || ch === ' ')) || (i === chars.length - 1 && ch === ' ')) out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  });
  return out;
}

function formatAva(ava: Ava): string {
  const label = NAME_ATTRIBUTES[ava.oid] ?? ava.oid;
  const text = decodeString(ava.tag, ava.value);
  return `${label}=${text === null ? `#${hex(ava.der)}` : escapeValue(text)}`;
}

/**
 * One-line display form of a DER Name, in certificate order: `C=US, O=Google Trust Services, CN=WR2`.
 * Throws DerError on malformed input.
 */
export function formatName(der: Uint8Array): string {
  return parseName(der)
    .map((rdn) => rdn.map(formatAva).join(' + '))
    .join(', ');
}

function canonicalValue(ava: Ava): string {
  const text = decodeString(ava.tag, ava.value);
  if (text === null || ava.tag === 0x17 || ava.tag === 0x18) return `#${hex(ava.der)}`;
  return text
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .replace(/\s+/g, ' ')
    .trim();
}

/** Canonical form of each RDN of a DER Name, in order (for prefix tests such as name constraints). */
export function canonicalRdns(der: Uint8Array): string[] {
  return parseName(der).map((rdn) => JSON.stringify(rdn.map((ava) => `${ava.oid}=${canonicalValue(ava)}`).sort()));
}

/**
 * A key equal for two Names exactly when RFC 5280 name matching (as OpenSSL implements it) says they
 * match. Throws DerError on malformed input.
 */
export function canonicalName(der: Uint8Array): string {
  return `[${canonicalRdns(der).join(',')}]`;
}

/** commonName. */
export const ATTRIBUTE_COMMON_NAME = '2.5.4.3';
/** emailAddress (PKCS #9), which name constraints on rfc822Name also govern (RFC 5280 §4.2.1.10). */
export const ATTRIBUTE_EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

/**
 * The values of one attribute type in a DER Name, in order: decoded as OpenSSL shows them (`text`,
 * null for a value that is not a string type) and as encoded (`bytes`). Throws DerError on malformed input.
 */
export function attributeValues(der: Uint8Array, oid: string): { text: string | null; bytes: Uint8Array }[] {
  return parseName(der)
    .flat()
    .filter((ava) => ava.oid === oid)
    .map((ava) => ({ text: decodeString(ava.tag, ava.value), bytes: ava.value }));
}

/** How many attributes a DER Name holds, over all its RDNs. Throws DerError on malformed input. */
export function countAttributes(der: Uint8Array): number {
  return parseName(der).reduce((sum, rdn) => sum + rdn.length, 0);
}

/**
 * The common name of a one-line distinguished name (as {@link formatName} writes it), trimmed; the
 * whole name when it has none. The one helper every human text uses (notices, tables, timeline).
 */
export function commonName(dn: string): string {
  const match = /(?:^|,\s*)CN=([^,]+)/.exec(dn);
  return match ? match[1].trim() : dn;
}
