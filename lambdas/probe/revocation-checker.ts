/**
 * The network half of revocation (docs/revocation.md): for every certificate of the chains a run saw —
 * leaves and intermediates — ask the sources it names, each URL once per run and not at all while a
 * cached verdict is current: CRLs streamed through the core's reader (one pass finds every serial asked
 * of that CRL), OCSP by POST to the URL as named (paths kept). A stapled response counts for the leaf
 * it came with. Every fetch is bounded by the probe timeout and a byte cap; failures are verdicts
 * (`unknown` with the reason), never exceptions.
 */

import { setMaxListeners } from 'node:events';
import { revocationBudgetMs } from '../core/budgets';
import type { AddressFamily } from '../core/probe-options';
import { type CachedVerdict, cacheable, cacheKey, type RevocationCache } from '../core/revocation/cache';
import { type CheckPlan, type CrlCheck, combineVerdicts, planChecks } from '../core/revocation/combine';
import type { Revocation, RevocationMethod, SourceVerdict } from '../core/revocation/model';
import { unknownVerdict } from '../core/revocation/model';
import { judgeOcspResponse } from '../core/revocation/ocsp';
import type { ResolvePin } from '../core/targets';
import type { Certificate } from '../core/x509/certificate';
import type { TrustStore } from '../core/x509/trust-store';
import { HttpFetchError, httpFetch } from './http-fetch';
import { mapWithLimit } from './pool';
import { type Fetcher, fetchCrlVerdicts, fetchOcspVerdict } from './revocation-fetches';

/** Fetches in flight at once, unless the caller says. */
const FETCH_CONCURRENCY = 8;

/** How a run checks revocation. Plain data. */
export interface RevocationSettings {
  methods: readonly RevocationMethod[];
  /** Deadline of each fetch (the probe timeout). */
  timeoutMs: number;
  /** Most octets of one CRL. */
  maxCrlBytes: number;
  dnsServers?: readonly string[];
  resolve?: readonly ResolvePin[];
  addressFamilies?: readonly AddressFamily[];
  /** PEM anchors for https sources (default: Node's). */
  ca?: readonly string[];
  /** The whole check's time, in ms (default {@link revocationBudgetMs} of the timeout). */
  budgetMs?: number;
  /** Epoch milliseconds by which the check must be over (the run's batch deadline), if any. */
  deadline?: number;
  /** Fetches in flight at once (default 8; the prober gives its probe concurrency). */
  concurrency?: number;
}

/** Kept back before a batch deadline: the prober still has to return its observations. */
const DEADLINE_MARGIN_MS = 1_000;

/** One presented chain to check. */
export interface ChainToCheck {
  /** As presented, leaf first. */
  certificates: readonly Certificate[];
  /** SHA-256 fingerprints of the validated path, leaf first (empty when none). */
  path: readonly string[];
  /** The OCSP response the server stapled to this handshake, if any. */
  stapled?: Uint8Array;
}

/** What the checker runs on. */
export interface RevocationDeps {
  cache: RevocationCache;
  trust: TrustStore;
  /** The HTTP client (tests count its calls); default the real one. */
  fetch?: Fetcher;
}

/** A certificate with the issuer its verdicts are made against. */
interface Subject {
  key: string;
  cert: Certificate;
  issuer: Certificate | null;
  plan: CheckPlan;
  verdicts: SourceVerdict[];
  /** On a validated path of some chain: only then are its sources fetched. */
  validated: boolean;
}

interface CrlJob {
  url: string;
  issuer: Certificate;
  items: { subject: Subject; check: CrlCheck }[];
  /** The earliest place among its certificates' distribution points (0: some certificate's first). */
  rank: number;
}

interface OcspJob {
  url: string;
  subject: Subject & { issuer: Certificate };
}

/** The issuer of chain entry `index`: the next certificate of the validated path, else any that signed it. */
function issuerOf(chain: ChainToCheck, index: number, trust: TrustStore): Certificate | null {
  const cert = chain.certificates[index];
  const candidates = [...chain.certificates.slice(index + 1), ...chain.certificates, ...trust.issuersOf(cert)];
  const onPath = chain.path.indexOf(cert.sha256);
  const next = onPath >= 0 ? chain.path[onPath + 1] : undefined;
  const byPath = next ? candidates.find((c) => c.sha256 === next) : undefined;
  if (byPath) return byPath;
  return candidates.find((c) => c !== cert && c.subjectKey === cert.issuerKey && cert.isSignedBy(c)) ?? null;
}

/** Checks every chain; returns each chain's revocation verdicts, entry by entry. */
export async function checkRevocation(
  chains: readonly ChainToCheck[],
  settings: RevocationSettings,
  deps: RevocationDeps,
  now: Date,
): Promise<Revocation[][]> {
  const subjects = new Map<string, Subject>();
  const chainSubjects = chains.map((chain) =>
    chain.certificates.map((cert, index) => {
      const issuer = cert.selfSigned ? null : issuerOf(chain, index, deps.trust);
      const key = `${cert.sha256}>${issuer?.sha256 ?? (cert.selfSigned ? 'self' : 'none')}`;
      let subject = subjects.get(key);
      if (!subject) {
        const plan: CheckPlan = cert.selfSigned
          ? { named: false, crl: [], ocsp: null, skipped: [] }
          : planChecks(cert, settings.methods);
        subject = { key, cert, issuer, plan, verdicts: [...plan.skipped], validated: false };
        subjects.set(key, subject);
      }
      subject.validated ||= chain.path.includes(cert.sha256);
      return subject;
    }),
  );
  const { crlJobs, ocspJobs } = await plan([...subjects.values()], deps.cache, now);
  const fresh: CachedVerdict[] = [];
  const fetch = deps.fetch ?? httpFetch;
  const ranked: Array<{ rank: number; run: (signal: AbortSignal) => Promise<void> }> = [
    ...crlJobs.map((job) => ({
      rank: job.rank,
      run: async (signal: AbortSignal) => {
        const items = job.items.map((i) => ({ cert: i.subject.cert, point: i.check.point }));
        const verdicts = await fetchCrlVerdicts(job.url, job.issuer, items, { ...settings, signal }, fetch, now);
        job.items.forEach(({ subject }, i) => {
          subject.verdicts.push(verdicts[i]);
          if (cacheable(verdicts[i], now)) fresh.push(entry(job.url, subject, verdicts[i]));
        });
      },
    })),
    ...ocspJobs.map((job) => ({
      rank: 0,
      run: async (signal: AbortSignal) => {
        const { cert, issuer } = job.subject;
        const verdict = await fetchOcspVerdict(job.url, cert, issuer, { ...settings, signal }, fetch, now);
        job.subject.verdicts.push(verdict);
        if (cacheable(verdict, now)) fresh.push(entry(job.url, job.subject, verdict));
      },
    })),
  ];
  // Every certificate's first sources before anyone's further ones: a certificate naming several that
  // hang holds slots only after the others have had theirs (docs/revocation.md "Fetching").
  const jobs = ranked.sort((a, b) => a.rank - b.rank).map((j) => j.run);
  const ownBudget = settings.budgetMs ?? revocationBudgetMs(settings.timeoutMs);
  const left = settings.deadline === undefined ? ownBudget : settings.deadline - DEADLINE_MARGIN_MS - Date.now();
  const budgetMs = Math.max(0, Math.min(ownBudget, left));
  const budget = new AbortController();
  // Every fetch in flight listens to the one budget signal.
  setMaxListeners(0, budget.signal);
  const timer = setTimeout(
    () => budget.abort(new HttpFetchError('HTTP_TIMEOUT', `the batch's revocation time (${budgetMs} ms) is spent`)),
    budgetMs,
  );
  try {
    await mapWithLimit(jobs, settings.concurrency ?? FETCH_CONCURRENCY, (job) => job(budget.signal));
  } finally {
    clearTimeout(timer);
  }
  if (fresh.length > 0) await deps.cache.putVerdicts(fresh);
  return chains.map((chain, c) =>
    chainSubjects[c].map((subject, index) => {
      const verdicts = [...subject.verdicts];
      if (index === 0 && chain.stapled && subject.issuer) {
        verdicts.push(
          judgeOcspResponse(chain.stapled, {
            cert: subject.cert,
            issuer: subject.issuer,
            now,
            source: 'stapled',
            url: null,
          }),
        );
      }
      return combineVerdicts(verdicts, subject.plan.named || (index === 0 && chain.stapled !== undefined));
    }),
  );
}

function entry(url: string, subject: Subject, verdict: SourceVerdict): CachedVerdict {
  return {
    url,
    serial: subject.cert.serial,
    issuerSha256: subject.issuer?.sha256 ?? '',
    verdict,
    expiresAt: verdict.nextUpdate as string,
  };
}

/** The fetches still needed once cached verdicts are taken; subjects without an issuer are judged here. */
async function plan(
  subjects: readonly Subject[],
  cache: RevocationCache,
  now: Date,
): Promise<{ crlJobs: CrlJob[]; ocspJobs: OcspJob[] }> {
  const wanted = subjects.flatMap((s) => [
    ...s.plan.crl.map((c) => ({ url: c.url, serial: s.cert.serial })),
    ...(s.plan.ocsp ? [{ url: s.plan.ocsp, serial: s.cert.serial }] : []),
  ]);
  const cached = new Map(
    (wanted.length > 0 ? await cache.getVerdicts(wanted, now) : []).map((e) => [
      `${cacheKey(e.url, e.serial)} ${e.issuerSha256}`,
      e,
    ]),
  );
  const hit = (url: string, subject: Subject) =>
    cached.get(`${cacheKey(url, subject.cert.serial)} ${subject.issuer?.sha256 ?? ''}`)?.verdict;
  const crlJobs = new Map<string, CrlJob>();
  const ocspJobs: OcspJob[] = [];
  for (const subject of subjects) {
    const { issuer } = subject;
    const urls = [...subject.plan.crl.map((c) => c.url), ...(subject.plan.ocsp ? [subject.plan.ocsp] : [])];
    if (!subject.validated) {
      // A server can present any certificate: fetching the URLs of one no trust anchor vouches for would
      // let it send the watcher to any address it names (loopback, the VPC). A stapled answer still counts.
      const why = 'not fetched: the certificate is on no path to a trust anchor';
      for (const { url } of subject.plan.crl) subject.verdicts.push(unknownVerdict('crl', url, 'NOT_VALIDATED', why));
      if (subject.plan.ocsp) subject.verdicts.push(unknownVerdict('ocsp', subject.plan.ocsp, 'NOT_VALIDATED', why));
      continue;
    }
    if (!issuer) {
      for (const url of urls) {
        subject.verdicts.push(
          unknownVerdict('crl', url, 'NO_ISSUER', 'the issuer certificate is neither presented nor a trust anchor'),
        );
      }
      continue;
    }
    for (const [rank, check] of subject.plan.crl.entries()) {
      const known = hit(check.url, subject);
      if (known) {
        subject.verdicts.push(known);
        continue;
      }
      const key = `${check.url} ${issuer.sha256}`;
      const job = crlJobs.get(key) ?? { url: check.url, issuer, items: [], rank };
      job.items.push({ subject, check });
      job.rank = Math.min(job.rank, rank);
      crlJobs.set(key, job);
    }
    if (subject.plan.ocsp) {
      const known = hit(subject.plan.ocsp, subject);
      if (known) subject.verdicts.push(known);
      else ocspJobs.push({ url: subject.plan.ocsp, subject: subject as Subject & { issuer: Certificate } });
    }
  }
  return { crlJobs: [...crlJobs.values()], ocspJobs };
}
