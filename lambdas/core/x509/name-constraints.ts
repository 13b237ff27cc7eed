/**
 * Name constraints (RFC 5280 §4.2.1.10) for DNS names, IP addresses, directory names and email
 * addresses, including those of the trust anchor. pkijs's engine skips the anchor's constraints, which
 * is where constrained private CAs put them, so certwatch applies them itself.
 */
import type { Certificate } from './certificate';
import { children, content, DerError, readTlv, TAG_SEQUENCE, type Tlv } from './der';
import { canonicalRdns } from './dn';
import type { GeneralName } from './extensions';

const RFC822 = 0x81;
const DNS = 0x82;
const DIRECTORY = 0xa4;
const IP = 0x87;
const SUPPORTED = new Set([RFC822, DNS, DIRECTORY, IP]);

/** Permitted and excluded subtrees; null when the extension does not constrain that way. */
export interface Subtrees {
  permitted: GeneralName[] | null;
  excluded: GeneralName[] | null;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?';
const DNS_CONSTRAINT = new RegExp(`^(?:\\.?${LABEL}(?:\\.${LABEL})*)?$`, 'i');
const DNS_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`, 'i');

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes).toLowerCase();
}

function contiguousMask(mask: Uint8Array): boolean {
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      if (set && seenZero) return false;
      if (!set) seenZero = true;
    }
  }
  return true;
}

function validateBase(base: GeneralName): void {
  if (base.tag === DNS && !DNS_CONSTRAINT.test(latin1(base.value))) {
    throw new DerError(`invalid dNSName constraint '${latin1(base.value)}'`);
  }
  if (
    base.tag === IP &&
    ((base.value.length !== 8 && base.value.length !== 32) ||
      !contiguousMask(base.value.subarray(base.value.length / 2)))
  ) {
    throw new DerError('invalid iPAddress constraint (not address and prefix mask)');
  }
  if (base.tag === DIRECTORY) canonicalRdns(base.value);
}

function readSubtrees(value: Uint8Array, list: Tlv): GeneralName[] {
  return children(value, list).map((subtree) => {
    if (subtree.tag !== TAG_SEQUENCE) throw new DerError('GeneralSubtree: expected SEQUENCE');
    const [base, ...bounds] = children(value, subtree);
    if (!base) throw new DerError('GeneralSubtree without a base');
    for (const bound of bounds) {
      const bytes = content(value, bound);
      if (bound.tag !== 0x80 || bytes.some((b) => b !== 0))
        throw new DerError('subtree minimum/maximum must be absent');
    }
    const name = { tag: base.tag, value: content(value, base) };
    validateBase(name);
    return name;
  });
}

/** Parses a nameConstraints value; throws DerError when it is malformed or constrains nothing. */
export function parseNameConstraints(value: Uint8Array): Subtrees {
  const outer = readTlv(value, 0);
  if (outer.tag !== TAG_SEQUENCE || outer.end !== value.length) throw new DerError('expected SEQUENCE');
  const subtrees: Subtrees = { permitted: null, excluded: null };
  for (const part of children(value, outer)) {
    if (part.tag === 0xa0) subtrees.permitted = readSubtrees(value, part);
    else if (part.tag === 0xa1) subtrees.excluded = readSubtrees(value, part);
    else throw new DerError('unexpected element');
  }
  if (!subtrees.permitted?.length && !subtrees.excluded?.length)
    throw new DerError('nameConstraints constrains nothing');
  return subtrees;
}

function dnsWithin(name: string, constraint: string): boolean {
  if (constraint === '') return true;
  if (constraint.startsWith('.')) return name.endsWith(constraint);
  return name === constraint || name.endsWith(`.${constraint}`);
}

function ipWithin(address: Uint8Array, constraint: Uint8Array): boolean {
  if (constraint.length !== address.length * 2) return false;
  return address.every(
    (byte, i) => (byte & constraint[address.length + i]) === (constraint[i] & constraint[address.length + i]),
  );
}

function directoryWithin(name: Uint8Array, constraint: Uint8Array): boolean {
  const rdns = canonicalRdns(name);
  const prefix = canonicalRdns(constraint);
  return prefix.length <= rdns.length && prefix.every((rdn, i) => rdn === rdns[i]);
}

function emailWithin(address: string, constraint: string): boolean {
  if (constraint.includes('@')) return address === constraint;
  const host = address.slice(address.lastIndexOf('@') + 1);
  return constraint.startsWith('.') ? host.endsWith(constraint) : host === constraint;
}

function within(name: GeneralName, base: GeneralName): boolean {
  switch (name.tag) {
    case DNS:
      return dnsWithin(latin1(name.value), latin1(base.value));
    case IP:
      return ipWithin(name.value, base.value);
    case DIRECTORY:
      return directoryWithin(name.value, base.value);
    default:
      return emailWithin(latin1(name.value), latin1(base.value));
  }
}

function describe(name: GeneralName): string {
  if (name.tag === IP)
    return name.value.length === 4 ? name.value.join('.') : `IPv6 ${Buffer.from(name.value).toString('hex')}`;
  if (name.tag === DIRECTORY) return 'directory name';
  return latin1(name.value);
}

/** The names of `cert` that name constraints apply to: SANs, plus a non-empty subject as a directory name. */
function namesOf(cert: Certificate): GeneralName[] {
  const names = [...cert.extensions.generalNames];
  if (cert.subject !== '') names.push({ tag: DIRECTORY, value: cert.subjectDer });
  return names;
}

/** Why `cert` breaks `subtrees`, or null when all its names are inside them. */
export function violation(subtrees: Subtrees, cert: Certificate): string | null {
  for (const name of namesOf(cert)) {
    if (name.tag === DNS && !DNS_NAME.test(latin1(name.value))) {
      const constrained = [...(subtrees.permitted ?? []), ...(subtrees.excluded ?? [])].some((b) => b.tag === DNS);
      if (constrained) return `malformed DNS name '${latin1(name.value)}' cannot be checked against the constraints`;
      continue;
    }
    const permitted = subtrees.permitted?.filter((b) => b.tag === name.tag) ?? [];
    const excluded = subtrees.excluded?.filter((b) => b.tag === name.tag) ?? [];
    if (!SUPPORTED.has(name.tag)) {
      if (permitted.length > 0 || excluded.length > 0)
        return `name of type 0x${name.tag.toString(16)} is constrained in a way certwatch cannot check`;
      continue;
    }
    if (excluded.some((base) => within(name, base))) return `${describe(name)} is in an excluded subtree`;
    if (permitted.length > 0 && !permitted.some((base) => within(name, base)))
      return `${describe(name)} is outside the permitted subtrees`;
  }
  return null;
}
