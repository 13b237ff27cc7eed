/**
 * Synthetic observations for the pure detection tests, and a fold that applies a detection to a history
 * the way the store does (revisions and version incremented). No I/O.
 */
import { createHash } from 'node:crypto';
import { type DetectTarget, detectCycle } from '../../lambdas/core/detect';
import type { TargetHistory } from '../../lambdas/core/history';
import type { Notice } from '../../lambdas/core/notice';
import type { Cert, KeyType, Observation, ValidationErrorCode } from '../../lambdas/core/observation';
import { DEFAULT_WATCH_CONFIG, type WatchConfig } from '../../lambdas/core/watch-config';
import { LiveViews } from '../support/live-view-check';

export const DAY = 86_400_000;
export const T0 = new Date('2025-03-01T00:00:00.000Z');
export const TARGET: DetectTarget = { url: 'smtp://mx.test.example:25', host: 'mx.test.example', mode: 'starttls' };

/** A day offset from T0. */
export function day(n: number): Date {
  return new Date(T0.getTime() + n * DAY);
}

function hex(seed: string, bytes = 32): string {
  return createHash('sha256')
    .update(seed)
    .digest('hex')
    .slice(0, bytes * 2);
}

/** A certificate named `name`; dates are days from T0. */
export function cert(
  name: string,
  options: {
    from?: number;
    to?: number;
    issuer?: string;
    key?: string;
    keyAlgorithm?: string;
    selfSigned?: boolean;
  } = {},
): Cert {
  return {
    sha256: hex(`cert:${name}`),
    sha1: hex(`sha1:${name}`, 20),
    spkiSha256: Buffer.from(hex(`key:${options.key ?? name}`), 'hex').toString('base64'),
    subject: `CN=${name}`,
    issuer: options.issuer ?? 'CN=Test Intermediate, O=certwatch tests',
    serial: hex(`serial:${name}`, 8),
    notBefore: day(options.from ?? -10).toISOString(),
    notAfter: day(options.to ?? 80).toISOString(),
    sans: [TARGET.host],
    keyAlgorithm: options.keyAlgorithm ?? 'ECDSA P-256',
    signatureAlgorithm: 'ecdsa-with-SHA256',
    selfSigned: options.selfSigned ?? false,
  };
}

export const INTERMEDIATE = cert('Test Intermediate', { from: -365, to: 3650, issuer: 'CN=Test Root' });

/** One observation of TARGET. */
export function obs(
  address: string,
  chain: Cert[] | null,
  options: {
    keyType?: KeyType;
    trusted?: boolean;
    invalidCode?: ValidationErrorCode;
    anchorSha256?: string;
    hostnameMatch?: boolean;
    error?: Observation['error'];
    starttls?: boolean;
    at?: Date;
  } = {},
): Observation {
  const ok = chain !== null && !options.error;
  const trusted = options.trusted ?? true;
  return {
    target: TARGET.url,
    host: TARGET.host,
    port: 25,
    mode: 'starttls',
    address,
    keyType: options.keyType ?? 'ecdsa',
    ok,
    error: ok ? undefined : (options.error ?? { code: 'CONNECT_REFUSED', message: 'connection refused' }),
    smtp: {
      banner: 'mx.test.example ESMTP',
      ehlo: options.starttls === false ? ['PIPELINING'] : ['PIPELINING', 'STARTTLS'],
      starttls: options.starttls ?? true,
    },
    tls: { protocol: ok ? 'TLSv1.3' : null, cipher: ok ? 'TLS_AES_128_GCM_SHA256' : null },
    chain: chain ?? [],
    validation: ok
      ? {
          trusted,
          path: trusted ? (chain ?? []).map((c) => c.sha256) : [],
          anchor: trusted ? 'CN=Test Root' : null,
          anchorSha256: trusted ? (options.anchorSha256 ?? hex('root')) : null,
          crossSigned: false,
          at: (options.at ?? T0).toISOString(),
          error: trusted
            ? undefined
            : { code: options.invalidCode ?? 'UNTRUSTED_ROOT', message: 'no path to a trusted root' },
        }
      : null,
    hostnameMatch: ok ? (options.hostnameMatch ?? true) : null,
    observedAt: (options.at ?? T0).toISOString(),
    durationMs: 5,
  };
}

/** A failed observation with a given code. */
export function failed(
  address: string,
  code: NonNullable<Observation['error']>['code'],
  keyType: KeyType = 'ecdsa',
): Observation {
  return obs(address, null, {
    keyType,
    error: { code, message: code.toLowerCase() },
    starttls: code !== 'STARTTLS_NOT_OFFERED',
  });
}

/**
 * Runs cycles one after another on one history, as a store would keep it; returns every cycle's notices.
 * It keeps the store's live view too, and in every cycle that would read through it checks that detection
 * decides on the view's records exactly as on the whole history (test/support/live-view-check.ts): every
 * detection test is a test of what the view may leave out.
 */
export class Watcher {
  history: TargetHistory = { state: null, certs: [] };
  readonly log: Notice[][] = [];
  readonly views = new LiveViews();

  constructor(private readonly config: WatchConfig = DEFAULT_WATCH_CONFIG) {}

  cycle(now: Date, observations: Observation[]): Notice[] {
    const { result, viewed } = this.views.detect(
      new Map([[TARGET.url, this.history]]),
      observations,
      (histories) => detectCycle({ targets: [TARGET], histories, observations, now, config: this.config }),
      `cycle at ${now.toISOString()}`,
    );
    const [detection] = result.targets;
    const certs = new Map(this.history.certs.map((c) => [c.sha256, c]));
    for (const c of detection.changedCerts) certs.set(c.sha256, { ...c, rev: c.rev + 1 });
    this.history = { state: { ...detection.state, version: detection.state.version + 1 }, certs: [...certs.values()] };
    this.views.saved(TARGET.url, this.history, detection.changedCerts.length, viewed.has(TARGET.url));
    this.log.push(result.notices);
    return result.notices;
  }

  /** Notice types of every cycle so far, flattened. */
  types(): string[] {
    return this.log.flat().map((n) => n.type);
  }
}
