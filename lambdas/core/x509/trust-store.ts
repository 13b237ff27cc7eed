/**
 * Sets of trust anchors, built from bytes: this module reads no file and no platform store (the built-in
 * sets are loaded at the edge, lambdas/trust/). Anchors are indexed by subject from their DER alone and
 * parsed with pkijs only when a chain needs them, so Node's 140+ bundled roots cost a few milliseconds
 * once per process.
 */
import { createHash } from 'node:crypto';
import { CoreError } from '../errors';
import { Certificate } from './certificate';
import { certificateSubject } from './der';
import { canonicalName } from './dn';
import { pemToDerList } from './pem';

/** Names of the built-in anchor sets (`--trust`). */
export type TrustStoreName = 'node' | 'google';

interface Anchor {
  der: Buffer;
  sha256: string;
  subjectKey: string;
  /** Parsed on first use; null when pkijs cannot parse it (it then never anchors anything). */
  certificate?: Certificate | null;
}

interface Index {
  bySubject: Map<string, Anchor[]>;
  bySha256: Map<string, Anchor>;
}

function invalid(message: string, cause?: unknown): CoreError {
  return new CoreError('TRUST_INVALID', message, { cause });
}

/** Strictly parses user-supplied anchors: every block must be a certificate. */
function parseExtra(source: string | Buffer[], label: string): Buffer[] {
  let ders: Buffer[];
  try {
    ders = typeof source === 'string' ? pemToDerList(source) : source;
  } catch (error) {
    throw invalid(`${label}: ${(error as Error).message}`, error);
  }
  if (ders.length === 0) throw invalid(`${label}: no PEM CERTIFICATE block found`);
  ders.forEach((der, i) => {
    try {
      Certificate.fromDer(der);
    } catch (error) {
      throw invalid(`${label}: certificate ${i + 1}: ${(error as Error).message}`, error);
    }
  });
  return ders;
}

/** An immutable set of trust anchors. */
export class TrustStore {
  /** Where the anchors came from, e.g. `node`, `google+extra`. */
  readonly label: string;
  readonly #load: () => Buffer[];
  #ders?: Buffer[];
  #index?: Index;

  /** Whether this set's own anchors come from a root program's list (`lazy`), not from PEM (`--ca`). */
  readonly #builtIn: boolean;
  /** The set `withExtra` extended. */
  readonly #base: TrustStore | undefined;

  private constructor(label: string, load: () => Buffer[], builtIn = false, base?: TrustStore) {
    this.label = label;
    this.#load = load;
    this.#builtIn = builtIn;
    this.#base = base;
  }

  /**
   * A built-in anchor set whose bytes come from `load`, called once on first use (so a set nobody
   * validates against costs nothing). Blocks that are not certificates never anchor anything.
   */
  static lazy(label: string, load: () => Buffer[]): TrustStore {
    return new TrustStore(label, load, true);
  }

  /** Anchors from PEM text. Throws CoreError TRUST_INVALID when it holds no or malformed certificates. */
  static fromPem(pem: string, label: string): TrustStore {
    const ders = parseExtra(pem, label);
    return new TrustStore(label, () => ders);
  }

  /** This set plus more anchors (PEM text or DER list). Throws CoreError TRUST_INVALID on bad input. */
  withExtra(pem: string | Buffer[]): TrustStore {
    const extra = parseExtra(pem, `${this.label}+extra`);
    return new TrustStore(`${this.label}+extra`, () => [...this.#all(), ...extra], false, this);
  }

  /**
   * Whether the anchor with this SHA-256 belongs to a built-in set (a root program's list, `lazy`)
   * rather than to anchors added from PEM: the profile trusts such a root as shipped.
   */
  isBuiltIn(sha256: string): boolean {
    if (this.#base?.isBuiltIn(sha256)) return true;
    return this.#builtIn && this.has(sha256);
  }

  /** Number of anchors. */
  get size(): number {
    return this.#all().length;
  }

  /** Every anchor, parsed (for listings; validation only parses what it needs). */
  certificates(): Certificate[] {
    return [...this.#indexed().bySha256.values()]
      .map((a) => this.#parse(a))
      .filter((c): c is Certificate => c !== null);
  }

  /** Anchors whose subject matches `cert`'s issuer name. */
  issuersOf(cert: Certificate): Certificate[] {
    const anchors = this.#indexed().bySubject.get(cert.issuerKey) ?? [];
    return anchors.map((a) => this.#parse(a)).filter((c): c is Certificate => c !== null);
  }

  /** The anchor byte-identical to `cert`, if any. */
  find(cert: Certificate): Certificate | null {
    const anchor = this.#indexed().bySha256.get(cert.sha256);
    return anchor ? this.#parse(anchor) : null;
  }

  /** Whether a certificate with this SHA-256 is an anchor. */
  has(sha256: string): boolean {
    return this.#indexed().bySha256.has(sha256);
  }

  #all(): Buffer[] {
    this.#ders ??= this.#load();
    return this.#ders;
  }

  #parse(anchor: Anchor): Certificate | null {
    if (anchor.certificate === undefined) {
      try {
        anchor.certificate = Certificate.fromDer(anchor.der);
      } catch {
        anchor.certificate = null;
      }
    }
    return anchor.certificate;
  }

  #indexed(): Index {
    if (this.#index) return this.#index;
    const index: Index = { bySubject: new Map(), bySha256: new Map() };
    for (const der of this.#all()) {
      const sha256 = createHash('sha256').update(der).digest('hex');
      if (index.bySha256.has(sha256)) continue;
      let subjectKey: string;
      try {
        subjectKey = canonicalName(certificateSubject(der));
      } catch {
        continue;
      }
      const anchor: Anchor = { der, sha256, subjectKey };
      index.bySha256.set(sha256, anchor);
      const same = index.bySubject.get(subjectKey);
      if (same) same.push(anchor);
      else index.bySubject.set(subjectKey, [anchor]);
    }
    this.#index = index;
    return index;
  }
}
