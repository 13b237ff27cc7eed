/**
 * One revocation source fetched and judged (docs/revocation.md "Fetching"): a CRL streamed through the
 * core's scanner for every serial asked of it, or an OCSP request POSTed to the URL as the certificate
 * names it. A failure is an `unknown` verdict with its reason, never an exception.
 */

import type { AddressFamily } from '../core/probe-options';
import { CrlScanner, serialOctets } from '../core/revocation/crl-scanner';
import type { CrlSubject } from '../core/revocation/crl-verdict';
import { judgeCrl } from '../core/revocation/crl-verdict';
import { type SourceVerdict, unknownVerdict } from '../core/revocation/model';
import { buildOcspRequest, judgeOcspResponse } from '../core/revocation/ocsp';
import type { ResolvePin } from '../core/targets';
import type { Certificate } from '../core/x509/certificate';
import { DerError } from '../core/x509/der';
import { HttpFetchError, type HttpFetchOptions, type HttpFetchResult } from './http-fetch';

/** Largest OCSP response read (the SMTP reply limit of docs/observation.md; docs/revocation.md). */
export const MAX_OCSP_RESPONSE_BYTES = 64 * 1024;

/** The HTTP client a fetch goes through (lambdas/probe/http-fetch.ts, or a test's). */
export type Fetcher = (url: string, options: HttpFetchOptions) => Promise<HttpFetchResult>;

/** How one fetch is made. */
export interface FetchSettings {
  /** Deadline of the fetch (the probe timeout). */
  timeoutMs: number;
  /** Most octets of one CRL. */
  maxCrlBytes: number;
  dnsServers?: readonly string[];
  resolve?: readonly ResolvePin[];
  addressFamilies?: readonly AddressFamily[];
  /** PEM anchors for https sources (default: Node's). */
  ca?: readonly string[];
  /** Ends the fetch early (the batch's revocation time). */
  signal: AbortSignal;
}

function describeFailure(error: unknown): { code: 'FETCH_FAILED' | 'MALFORMED'; message: string } {
  if (error instanceof DerError) return { code: 'MALFORMED', message: `not a DER CRL: ${error.message}` };
  if (error instanceof HttpFetchError) return { code: 'FETCH_FAILED', message: error.message };
  return { code: 'FETCH_FAILED', message: (error as Error)?.message ?? String(error) };
}

function fetchOptions(settings: FetchSettings): Omit<HttpFetchOptions, 'onData' | 'maxBytes'> {
  return {
    signal: settings.signal,
    timeoutMs: settings.timeoutMs,
    dnsServers: settings.dnsServers,
    resolve: settings.resolve,
    addressFamilies: settings.addressFamilies,
    ca: settings.ca,
  };
}

/** Reads the CRL at `url` once for every certificate asked of it; a verdict for each, in order. */
export async function fetchCrlVerdicts(
  url: string,
  issuer: Certificate,
  subjects: readonly CrlSubject[],
  settings: FetchSettings,
  fetch: Fetcher,
  now: Date,
): Promise<SourceVerdict[]> {
  const scanner = new CrlScanner(
    subjects.map((s) => serialOctets(s.cert.der)),
    issuer.spkiDer,
  );
  try {
    await fetch(url, {
      ...fetchOptions(settings),
      maxBytes: settings.maxCrlBytes,
      headers: { accept: 'application/pkix-crl' },
      onData: (chunk) => scanner.push(chunk),
    });
    return judgeCrl(scanner.finish(), subjects, { url, issuer, now });
  } catch (error) {
    const { code, message } = describeFailure(error);
    return subjects.map(() => unknownVerdict('crl', url, code, message));
  }
}

/** Asks the OCSP responder at `url` about `cert`. */
export async function fetchOcspVerdict(
  url: string,
  cert: Certificate,
  issuer: Certificate,
  settings: FetchSettings,
  fetch: Fetcher,
  now: Date,
): Promise<SourceVerdict> {
  const chunks: Buffer[] = [];
  try {
    await fetch(url, {
      ...fetchOptions(settings),
      method: 'POST',
      body: buildOcspRequest(cert, issuer),
      headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
      maxBytes: MAX_OCSP_RESPONSE_BYTES,
      onData: (chunk) => chunks.push(chunk),
    });
  } catch (error) {
    const { code, message } = describeFailure(error);
    return unknownVerdict('ocsp', url, code, message);
  }
  return judgeOcspResponse(Buffer.concat(chunks), { cert, issuer, now, source: 'ocsp', url });
}
