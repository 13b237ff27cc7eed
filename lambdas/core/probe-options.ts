import type { SamplePlan } from './detect/sampling';
import type { KeyType } from './observation';
import type { PolicySet } from './policy/model';
import type { RevocationOptions } from './revocation/model';
import type { ResolvePin } from './targets';

/** IP version of an address. */
export type AddressFamily = 4 | 6;

/** What a probe run needs to know beyond the targets. Plain data: the CLI and the handler build it once. */
export interface ProbeOptions {
  /** Key types to ask each address for (default both). */
  keyTypes: readonly KeyType[];
  /** Whole-probe deadline per target × address × key type, in ms (default 10 000). */
  timeoutMs: number;
  /** curl-style address pins; unpinned hosts are resolved (all A and AAAA records). */
  resolve: readonly ResolvePin[];
  /** Overrides SNI and the expected host name. */
  servername?: string;
  /** Name sent in EHLO; default: this machine's FQDN, or an address literal when it has none. */
  ehloName?: string;
  /**
   * Address families to probe (default both). Where there is no IPv6 route (Lambda outside a
   * dual-stack VPC), `[4]` keeps every AAAA probe from failing each cycle.
   */
  addressFamilies?: readonly AddressFamily[];
  /** DNS servers for every lookup (`--dns`); absent or empty = the system's resolvers. */
  dnsServers?: readonly string[];
  /** Most probes in flight at once (default 32). */
  concurrency: number;
  /** Instant used for validation; default: when the probe finishes. */
  validationTime?: Date;
  /** Extra trust anchors (DER), added to the chosen set. */
  extraAnchorsDer?: readonly Uint8Array[];
  /** Which anchor set to start from: Node's bundled roots (default) or the shipped pki.goog bundle. */
  trust?: 'node' | 'google';
  /**
   * Set where outbound port 25 is known to be blocked (Lambda outside a VPC): a connect timeout on
   * port 25 is then reported as EGRESS_BLOCKED rather than CONNECT_TIMEOUT.
   */
  port25Blocked?: boolean;
  /** The consumer policy (`--policy`, context `policy`): each observation then carries its verdict. */
  policy?: PolicySet;
  /** Give each presented leaf its CT link key (`ctLinkKey`): set by the Certificate Transparency step. */
  ctLinkKeys?: boolean;
  /**
   * Revocation checks of every presented certificate (docs/revocation.md): each chain entry then carries
   * `revocation`, and the handshake asks for a stapled OCSP response. Absent = off.
   */
  revocation?: RevocationOptions;
  /**
   * Handshakes per address × key type, by target URL, while a rollout is under way (docs/rollouts.md,
   * "Sampling"); a target absent here gets one per address.
   */
  samplePlan?: Readonly<Record<string, SamplePlan>>;
  /**
   * Epoch milliseconds by which a probe call must have returned (the run sets it per batch): work done
   * after the probes, such as revocation fetches, stops there. Absent = no bound beyond the timeouts.
   */
  deadline?: number;
}

/** The defaults (docs/settings.md). */
export const DEFAULT_PROBE_OPTIONS: ProbeOptions = {
  keyTypes: ['rsa', 'ecdsa'],
  timeoutMs: 10_000,
  resolve: [],
  concurrency: 32,
};
