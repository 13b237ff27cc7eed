/**
 * The published baseline (Google's list of the suites its SMTP servers accept) and the diff of an
 * accepted set against it.
 */

import { suiteByIana } from './cipher-suites';
import baselineJson from './data/google-tls-baseline.json';
import { PostureError } from './errors';
import {
  acceptedPairs,
  type BaselineComparison,
  TLS_VERSIONS,
  type TlsVersion,
  type UntestableSuite,
  type VersionPosture,
  type VersionSuite,
} from './posture';

/** A published list of accepted suites per version. */
export interface TlsBaseline {
  name: string;
  /** Publication date, e.g. `2023-03`. */
  published: string;
  source: string;
  sslv3Allowed: boolean;
  versions: Record<TlsVersion, string[]>;
}

/**
 * Checks a baseline document: every version present, every suite a known IANA name valid at its version.
 * @throws PostureError BASELINE_INVALID
 */
export function parseBaseline(input: unknown): TlsBaseline {
  const fail = (why: string) => new PostureError('BASELINE_INVALID', `TLS baseline: ${why}`);
  if (typeof input !== 'object' || input === null) throw fail('not an object');
  const doc = input as Partial<TlsBaseline>;
  for (const key of ['name', 'published', 'source'] as const) {
    if (typeof doc[key] !== 'string' || doc[key] === '') throw fail(`"${key}" must be a non-empty string`);
  }
  if (typeof doc.sslv3Allowed !== 'boolean') throw fail('"sslv3Allowed" must be true or false');
  if (typeof doc.versions !== 'object' || doc.versions === null) throw fail('"versions" is missing');
  const versions = {} as Record<TlsVersion, string[]>;
  for (const version of TLS_VERSIONS) {
    const suites = (doc.versions as Record<string, unknown>)[version];
    if (!Array.isArray(suites)) throw fail(`"versions.${version}" must be a list (empty if none)`);
    for (const suite of suites) {
      const known = typeof suite === 'string' ? suiteByIana(suite) : undefined;
      if (!known) throw fail(`"${String(suite)}" at ${version} is not a known IANA suite name`);
      if (!known.versions.includes(version)) throw fail(`${suite} cannot be negotiated at ${version}`);
    }
    versions[version] = [...new Set(suites as string[])];
  }
  const extra = Object.keys(doc.versions).filter((v) => !TLS_VERSIONS.includes(v as TlsVersion));
  if (extra.length > 0) throw fail(`unknown version(s) ${extra.join(', ')}`);
  return {
    name: doc.name as string,
    published: doc.published as string,
    source: doc.source as string,
    sslv3Allowed: doc.sslv3Allowed,
    versions,
  };
}

/** Google's published list for its SMTP servers (March 2023), shipped in `data/google-tls-baseline.json`. */
export const GOOGLE_TLS_BASELINE: TlsBaseline = parseBaseline(baselineJson);

/**
 * Compares what a server accepts with a baseline, per version. A published suite that could not be
 * tested is neither missing nor present: it is left out of `missingOnServer`.
 */
export function compareWithBaseline(
  versions: Readonly<Record<TlsVersion, VersionPosture>>,
  untestable: readonly UntestableSuite[],
  baseline: TlsBaseline,
): BaselineComparison {
  const unknown = new Set(untestable.map(key));
  const accepted = acceptedPairs(versions);
  const acceptedKeys = new Set(accepted.map(key));
  const published = TLS_VERSIONS.flatMap((version) => baseline.versions[version].map((suite) => ({ version, suite })));
  const publishedKeys = new Set(published.map(key));
  return {
    published: baseline.published,
    missingOnServer: published.filter((p) => !acceptedKeys.has(key(p)) && !unknown.has(key(p))),
    extraOnServer: accepted.filter((a) => !publishedKeys.has(key(a))),
  };
}

function key(pair: VersionSuite): string {
  return `${pair.version} ${pair.suite}`;
}
