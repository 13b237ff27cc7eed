/**
 * How a CA issues through CT, for tests and the demo: the precertificate is submitted to the logs, their
 * SCTs go into the final certificate's SCT list, and the final certificate may be logged too.
 */
import type { CtCa, CtIssue, CtLeafKey } from '../ct-certs';
import { issueFinal, issuePrecert } from '../ct-certs';
import { vec16 } from './encode';
import type { Submitted, TestCtLog } from './log';

/** A certificate issued through CT. */
export interface CtIssued {
  precertificate: Buffer;
  certificate: Buffer;
  /** The SCTs the logs returned for the precertificate, in the order of the logs. */
  scts: Submitted[];
}

/** Issues `issue` through `logs`: precertificate logged in each, SCTs embedded, final certificate made. */
export function issueThroughLogs(
  ca: CtCa,
  chain: Buffer[],
  issue: CtIssue,
  key: CtLeafKey,
  logs: readonly TestCtLog[],
): CtIssued {
  const precertificate = issuePrecert(ca, issue, key);
  const scts = logs.map((log) => log.addPrecert(precertificate, chain, ca.keyHash));
  const list = vec16(Buffer.concat(scts.map((s) => vec16(s.sct))));
  return { precertificate, certificate: issueFinal(ca, issue, key, list), scts };
}
