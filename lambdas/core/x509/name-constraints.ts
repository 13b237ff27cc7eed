/**
 * Name constraints (RFC 5280 §4.2.1.10) for DNS names, IP addresses, directory names and email
 * addresses, including those of the trust anchor. pkijs's engine skips the anchor's constraints, which
 * is where constrained private CAs put them, so certwatch applies them itself.
 *
 * The work is bounded: every name-to-constraint comparison is paid for from a {@link NameCheckBudget}
 * (the quadratic names × constraints blow-up is how hostile chains make validators spin).
 */
import { CertwatchError } from '../errors';
import type { Certificate } from './certificate';
import { children, content, DerError, readTlv, TAG_SEQUENCE, type Tlv } from './der';
import { canonicalRdns } from './dn';
import type { GeneralName } from './extensions';

const RFC822 = 0x81;
const DNS = 0x82;
const DIRECTORY = 0xa4;
const IP = 0x87;
const SUPPORTED = new Set([RFC822, DNS, DIRECTORY, IP]);

/** One constraint base, with its text (lowercase Latin-1) for DNS and email names. */
export interface Base extends GeneralName {
  text: string;
}

/** Permitted and excluded subtrees; null when the extension does not constrain that way. */
export interface Subtrees {
  permitted: Base[] | null;
  excluded: Base[] | null;
}

/**
 * Most names × constraints one validation may check, over every path it tries (webpki allows 250,000
 * comparisons, OpenSSL 2^20 per certificate). Real chains use a few hundred at most.
 */
export const MAX_NAME_CONSTRAINT_CHECKS = 250_000;

/** A validation ran out of its {@link NameCheckBudget} (code WORK_LIMIT). */
export class WorkLimitError extends CertwatchError<'WORK_LIMIT'> {
  override name = 'WorkLimitError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('WORK_LIMIT', message, options);
  }
}

/** The comparisons one validation may still make; shared by every path it tries. */
export class NameCheckBudget {
  #used = 0;
  readonly limit: number;

  constructor(limit: number = MAX_NAME_CONSTRAINT_CHECKS) {
    this.limit = limit;
  }

  /** Comparisons paid for so far (names × constraints of every pair checked). */
  get used(): number {
    return this.#used;
  }

  /** Name-to-constraint comparisons actually made (at most `used`). */
  compared = 0;

  /** Pays for `count` comparisons before they are made; throws WorkLimitError past the limit. */
  charge(count: number): void {
    if (this.#used + count > this.limit) {
      const spent = this.#used;
      this.#used = this.limit;
      throw new WorkLimitError(
        `checking the name constraints needs more than ${this.limit} name comparisons (${spent} spent, ${count} more asked)`,
      );
    }
    this.#used += count;
  }
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?';
// A leading period is URI constraint syntax; in a dNSName constraint it is malformed (RFC 5280 §4.2.1.10).
const DNS_CONSTRAINT = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*)?$`, 'i');
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

function readSubtrees(value: Uint8Array, list: Tlv): Base[] {
  return children(value, list).map((subtree) => {
    if (subtree.tag !== TAG_SEQUENCE) throw new DerError('GeneralSubtree: expected SEQUENCE');
    const [base, ...bounds] = children(value, subtree);
    if (!base) throw new DerError('GeneralSubtree without a base');
    for (const bound of bounds) {
      const bytes = content(value, bound);
      if (bound.tag !== 0x80 || bytes.some((b) => b !== 0))
        throw new DerError('subtree minimum/maximum must be absent');
    }
    const bytes = content(value, base);
    const name = { tag: base.tag, value: bytes, text: base.tag === DNS || base.tag === RFC822 ? latin1(bytes) : '' };
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
  return name === constraint || name.endsWith(`.${constraint}`);
}

/**
 * Whether a wildcard SAN `*.parent` could stand for a name in the excluded subtree `constraint`: it
 * does when the constraint is one label under `parent` (`bar.example.com` for `*.example.com`), since a
 * client would accept the wildcard for that peer name (CVE-2025-61727).
 */
function wildcardReaches(name: string, constraint: string): boolean {
  if (!name.startsWith('*.')) return false;
  const dot = constraint.indexOf('.');
  return dot > 0 && constraint.slice(dot + 1) === name.slice(2);
}

function ipWithin(address: Uint8Array, constraint: Uint8Array): boolean {
  if (constraint.length !== address.length * 2) return false;
  return address.every(
    (byte, i) => (byte & constraint[address.length + i]) === (constraint[i] & constraint[address.length + i]),
  );
}

function directoryWithin(rdns: string[], prefix: string[]): boolean {
  return prefix.length <= rdns.length && prefix.every((rdn, i) => rdn === rdns[i]);
}

function emailWithin(address: string, constraint: string): boolean {
  if (constraint.includes('@')) return address === constraint;
  const host = address.slice(address.lastIndexOf('@') + 1);
  return constraint.startsWith('.') ? host.endsWith(constraint) : host === constraint;
}

/** A name of the certificate, prepared once: its text, or its RDNs for a directory name. */
interface Subject extends GeneralName {
  text: string;
  rdns: string[] | null;
}

function within(name: Subject, base: Base, rdnsOf: (base: Base) => string[]): boolean {
  switch (name.tag) {
    case DNS:
      return dnsWithin(name.text, base.text);
    case IP:
      return ipWithin(name.value, base.value);
    case DIRECTORY:
      return directoryWithin(name.rdns ?? [], rdnsOf(base));
    default:
      return emailWithin(name.text, base.text);
  }
}

function describe(name: GeneralName): string {
  if (name.tag === IP)
    return name.value.length === 4 ? name.value.join('.') : `IPv6 ${Buffer.from(name.value).toString('hex')}`;
  if (name.tag === DIRECTORY) return 'directory name';
  return latin1(name.value);
}

/**
 * The names of `cert` that name constraints apply to: SANs, a non-empty subject as a directory name,
 * the subject's emailAddress attributes as rfc822Names, and, when there is no dNSName SAN, each
 * commonName that is a host name as a dNSName (OpenSSL's rules: a client falling back to the CN must
 * not reach a name the constraints forbid).
 */
function namesOf(cert: Certificate): GeneralName[] {
  const names = [...cert.extensions.generalNames];
  if (cert.subject !== '') names.push({ tag: DIRECTORY, value: cert.subjectDer });
  for (const email of cert.emailAddresses) names.push({ tag: RFC822, value: email });
  if (!names.some((name) => name.tag === DNS)) {
    for (const cn of cert.commonNames) {
      if (cn?.includes('.') && DNS_NAME.test(cn)) names.push({ tag: DNS, value: Buffer.from(cn, 'latin1') });
    }
  }
  return names;
}

function prepare(name: GeneralName): Subject {
  const text = name.tag === DNS || name.tag === RFC822 ? latin1(name.value) : '';
  return { ...name, text, rdns: null };
}

/**
 * Why `cert` breaks `subtrees`, or null when all its names are inside them. Before comparing, the
 * product of its names (SANs and subject attributes, of every type) and the constraints (of every
 * type) is paid from `budget`, as OpenSSL bounds it: a hostile pair fails in constant time.
 */
export function violation(subtrees: Subtrees, cert: Certificate, budget: NameCheckBudget): string | null {
  const constraints = (subtrees.permitted?.length ?? 0) + (subtrees.excluded?.length ?? 0);
  budget.charge((cert.extensions.generalNames.length + cert.subjectAttributeCount) * constraints);
  const byTag = (list: Base[] | null, tag: number) => list?.filter((b) => b.tag === tag) ?? [];
  const baseRdns = new Map<Base, string[]>();
  const rdnsOf = (base: Base) => {
    let rdns = baseRdns.get(base);
    if (!rdns) {
      rdns = canonicalRdns(base.value);
      baseRdns.set(base, rdns);
    }
    return rdns;
  };
  const names = namesOf(cert);
  for (const raw of names) {
    const name = prepare(raw);
    if (name.tag === DNS && !DNS_NAME.test(name.text)) {
      const constrained = [...(subtrees.permitted ?? []), ...(subtrees.excluded ?? [])].some((b) => b.tag === DNS);
      if (constrained) return `malformed DNS name '${name.text}' cannot be checked against the constraints`;
      continue;
    }
    const permitted = byTag(subtrees.permitted, name.tag);
    const excluded = byTag(subtrees.excluded, name.tag);
    if (!SUPPORTED.has(name.tag)) {
      if (permitted.length > 0 || excluded.length > 0)
        return `name of type 0x${name.tag.toString(16)} is constrained in a way certwatch cannot check`;
      continue;
    }
    if (permitted.length === 0 && excluded.length === 0) continue;
    if (name.tag === DIRECTORY) name.rdns = canonicalRdns(name.value);
    const inside = (base: Base) => {
      budget.compared++;
      return within(name, base, rdnsOf);
    };
    if (excluded.some((base) => inside(base) || (name.tag === DNS && wildcardReaches(name.text, base.text))))
      return `${describe(name)} is in an excluded subtree`;
    if (permitted.length > 0 && !permitted.some(inside)) return `${describe(name)} is outside the permitted subtrees`;
  }
  return null;
}
