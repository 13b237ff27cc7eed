/**
 * The light part of Certificate Transparency in a run (lambdas/run/extensions.ts): link keys on the probed
 * leaves, and NEW_CERTIFICATE of a leaf that was logged amended with `loggedAt` and the lead time (the
 * issued record is marked served then). The watch function carries only this; the logs are read by the CT
 * reader (lambdas/ct/handler.ts) or by `certwatch check` (ct-extension.ts). docs/ct.md.
 */
import { servesRecord } from '../core/ct/issuance';
import type { IssuedCert } from '../core/ct/issued';
import { createNotice, type Notice } from '../core/notice';
import type { NewCertificateFacts } from '../core/notices/types/new-certificate';
import type { AmendInput, RunExtension } from '../run/extensions';

/** The issued record a served leaf is, by its link key (else its fingerprint or issuer and serial). */
function recordOf(notice: Notice<'NEW_CERTIFICATE'>, input: AmendInput, issued: readonly IssuedCert[]) {
  const cert = notice.facts.cert;
  const leaf = input.observations.find((o) => o.chain[0]?.sha256 === cert.sha256)?.chain[0];
  const served = {
    target: notice.target ?? '',
    sha256: cert.sha256,
    issuer: cert.issuer,
    serial: cert.serial,
    firstSeen: input.now.toISOString(),
    ...(leaf?.ctLinkKey ? { linkKey: leaf.ctLinkKey } : {}),
  };
  return issued.find((r) => servesRecord(served, r)) ?? null;
}

/** NEW_CERTIFICATE notices of logged leaves, with `loggedAt` and the lead; their records marked served. */
export async function amendNewCertificates(notices: Notice[], input: AmendInput): Promise<Notice[]> {
  if (!notices.some((n) => n.type === 'NEW_CERTIFICATE')) return notices;
  const issued = await input.store.loadIssued();
  if (issued.length === 0) return notices;
  const served = new Map<string, IssuedCert>();
  const amended = notices.map((notice) => {
    if (notice.type !== 'NEW_CERTIFICATE') return notice;
    const n = notice as Notice<'NEW_CERTIFICATE'>;
    const record = recordOf(n, input, issued);
    if (!record) return notice;
    const servedAt = record.servedAt ?? input.now.toISOString();
    const leadHours = Math.round((Date.parse(servedAt) - Date.parse(record.loggedAt)) / 360_000) / 10;
    const targets = [n.target, ...(n.facts.targets ?? []).map((t) => t.target)].filter((t): t is string => t !== null);
    const before = served.get(record.linkKey) ?? record;
    served.set(record.linkKey, {
      ...before,
      servedAt,
      servedTargets: [...new Set([...before.servedTargets, ...targets])].sort(),
    });
    const facts: NewCertificateFacts = { ...n.facts, loggedAt: record.loggedAt, leadHours };
    return createNotice({
      type: 'NEW_CERTIFICATE',
      dedupeKey: n.dedupeKey,
      target: n.target,
      hosts: n.hosts,
      at: n.at,
      facts,
    });
  });
  // Marked served after the notice is built: a run cut here builds the same notice again (servedAt kept).
  for (const record of served.values()) await input.store.saveIssued(record);
  return amended;
}

/** Link keys on probed leaves and the NEW_CERTIFICATE amendment, without reading any log. */
export function ctLinkExtension(): RunExtension {
  return {
    name: 'ct-links',
    probeOptions: (options) => ({ ...options, ctLinkKeys: true }),
    amendNotices: amendNewCertificates,
  };
}
