/**
 * Sets of trust anchors. Anchors are indexed by subject from their DER alone and parsed with pkijs
 * only when a chain needs them, so Node's 140+ bundled roots cost a few milliseconds once per process.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { CoreError } from '../errors';
import { Certificate } from './certificate';
import { certificateParts } from './der';
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

/** Where the pki.goog bundle is: `data/` beside this module in the source tree and in the Lambda bundle. */
export const GOOGLE_ROOTS_PEM = join(__dirname, 'data', 'pki-goog-roots.pem');

let nodeStore: TrustStore | undefined;
let googleStore: TrustStore | undefined;

/** An immutable set of trust anchors. */
export class TrustStore {
  /** Where the anchors came from, e.g. `node`, `google+extra`. */
  readonly label: string;
  readonly #load: () => Buffer[];
  #ders?: Buffer[];
  #index?: Index;

  private constructor(label: string, load: () => Buffer[]) {
    this.label = label;
    this.#load = load;
  }

  /** Node's bundled root certificates (`tls.rootCertificates`), shared by the whole process. */
  static node(): TrustStore {
    nodeStore ??= new TrustStore('node', () => rootCertificates.flatMap((pem) => pemToDerList(pem)));
    return nodeStore;
  }

  /**
   * The pki.goog root bundle shipped as data (`lambdas/core/x509/data/pki-goog-roots.pem`; the Lambda bundle
   * carries it as `data/pki-goog-roots.pem` beside `index.js`), read on first use.
   */
  static google(): TrustStore {
    googleStore ??= new TrustStore('google', () => {
      let pem: string;
      try {
        pem = readFileSync(GOOGLE_ROOTS_PEM, 'utf8');
      } catch (cause) {
        throw invalid(`the pki.goog root bundle is missing (${GOOGLE_ROOTS_PEM})`, cause);
      }
      return pemToDerList(pem);
    });
    return googleStore;
  }

  /** Anchors from PEM text. Throws CoreError TRUST_INVALID when it holds no or malformed certificates. */
  static fromPem(pem: string, label: string): TrustStore {
    const ders = parseExtra(pem, label);
    return new TrustStore(label, () => ders);
  }

  /** A built-in set, plus the anchors of `extraPem` when given (`--trust NAME --ca FILE`). */
  static forName(name: TrustStoreName, extraPem?: string): TrustStore {
    let base: TrustStore;
    if (name === 'node') base = TrustStore.node();
    else if (name === 'google') base = TrustStore.google();
    else throw invalid(`unknown trust store '${String(name)}' (expected node or google)`);
    return extraPem === undefined ? base : base.withExtra(extraPem);
  }

  /** This set plus more anchors (PEM text or DER list). Throws CoreError TRUST_INVALID on bad input. */
  withExtra(pem: string | Buffer[]): TrustStore {
    const extra = parseExtra(pem, `${this.label}+extra`);
    return new TrustStore(`${this.label}+extra`, () => [...this.#all(), ...extra]);
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
        subjectKey = canonicalName(certificateParts(der).subject);
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
