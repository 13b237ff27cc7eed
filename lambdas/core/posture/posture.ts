/**
 * The TLS posture model: which protocol versions and cipher suites one address of one target accepts.
 * This shape is a contract (docs/observation.md, `certwatch posture --json`): change it only with its docs and tests.
 * Suites are always IANA names (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`).
 */
import type { ProbeErrorCode } from '../observation';

/** Protocol versions a posture covers, as Node and OpenSSL name them. */
export type TlsVersion = 'TLSv1.3' | 'TLSv1.2' | 'TLSv1.1' | 'TLSv1';

/** Every version, newest first (the order of the contract and of the enumeration). */
export const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'];

/** A suite at a version. */
export interface VersionSuite {
  version: TlsVersion;
  suite: string;
}

/** A suite this build cannot test at a version: never read as "rejected". */
export interface UntestableSuite extends VersionSuite {
  reason: string;
}

/** What one version gave. */
export interface VersionPosture {
  /** The server completed a ServerHello at this version for at least one suite. */
  accepted: boolean;
  /** IANA names of the suites it chose, in the order found. */
  suites: string[];
}

/** The accepted set compared with a published baseline. */
export interface BaselineComparison {
  /** When the baseline was published, e.g. `2023-03`. */
  published: string;
  /** Published but not accepted (untestable suites are left out: unknown is not missing). */
  missingOnServer: VersionSuite[];
  /** Accepted but not published. */
  extraOnServer: VersionSuite[];
}

/** One policy rule's verdict on a posture. */
export interface PolicyVerdict {
  /** The rule as written, e.g. `min-version=TLS1.2`. */
  rule: string;
  ok: boolean;
  /** Why, for people: what was accepted that the rule forbids, or what could not be tested. */
  detail: string;
}

/** Stable error codes of a posture: a probe's, plus two of the enumeration itself. */
export type PostureFailureCode =
  | ProbeErrorCode
  /** The per-address handshake budget ran out before every version and suite was tested. */
  | 'BUDGET_EXHAUSTED'
  /** The server answered against the protocol (chose a suite or version that was not offered). */
  | 'POSTURE_INCONSISTENT';

/** A classified failure, kept as data. */
export interface PostureFailure {
  code: PostureFailureCode;
  message: string;
}

/** One entry of `certwatch posture --json`: one target × address. */
export interface Posture {
  /** Canonical target URL. */
  target: string;
  host: string;
  port: number;
  /** Empty when the host did not resolve. */
  address: string;
  /** The enumeration finished: every version and every testable suite was tried. */
  ok: boolean;
  error?: PostureFailure;
  versions: Record<TlsVersion, VersionPosture>;
  untestable: UntestableSuite[];
  baseline: BaselineComparison;
  /** Present when rules were given (`--require`). */
  policy?: PolicyVerdict[];
}

/** A fresh, empty version map (nothing accepted). */
export function emptyVersions(): Record<TlsVersion, VersionPosture> {
  return {
    'TLSv1.3': { accepted: false, suites: [] },
    'TLSv1.2': { accepted: false, suites: [] },
    'TLSv1.1': { accepted: false, suites: [] },
    TLSv1: { accepted: false, suites: [] },
  };
}

/** Every accepted (version, suite) pair, newest version first. */
export function acceptedPairs(versions: Readonly<Record<TlsVersion, VersionPosture>>): VersionSuite[] {
  return TLS_VERSIONS.flatMap((version) => versions[version].suites.map((suite) => ({ version, suite })));
}

/** `TLSv1` → `TLS 1.0`, for people. */
export function versionLabel(version: TlsVersion): string {
  return version === 'TLSv1' ? 'TLS 1.0' : version.replace('TLSv', 'TLS ');
}
