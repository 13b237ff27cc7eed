/**
 * What one cycle's observations of one target show, regrouped by certificate and key type.
 */
import type { CertRole } from '../history';
import type { ProbeFailureFacts } from '../notice';
import type { Cert, KeyType, Observation, ProbeErrorCode } from '../observation';

/** One certificate served this cycle. */
export interface ServedCert {
  cert: Cert;
  role: CertRole;
  keyType: KeyType;
  addresses: Set<string>;
  /** Observations whose chain carried it. */
  observations: Observation[];
}

/** The observations of one target, regrouped. */
export interface Served {
  certs: Map<string, ServedCert>;
  /** Key types for which at least one address presented a chain. */
  answeredKeyTypes: Set<KeyType>;
  /** Per key type, the addresses that presented a chain. */
  addressesByKeyType: Map<KeyType, Set<string>>;
  /**
   * Per address × key type (key: `keyType address`), the leaves its handshakes presented this cycle and how
   * many handshakes presented each: one address may be a pool of frontends (a sampled address answers
   * several handshakes per cycle, old and new mid-rollout).
   */
  mixAt: Map<string, Map<string, number>>;
  /**
   * Per key type, the addresses whose every handshake of that key type was refused as KEY_TYPE_UNAVAILABLE
   * this cycle (the server answered the other key type).
   */
  unavailableAt: Map<KeyType, Set<string>>;
  /** Probes that failed, except "no certificate of that key type" (not a failure of the target). */
  failures: ProbeFailureFacts[];
  /** At least one probe reached the server and got an answer (a chain, an alert 40, or an EHLO without STARTTLS). */
  answered: boolean;
  /** Every address probed. */
  addresses: string[];
}

/** Codes that prove the server answered although no chain came back. */
const ANSWERED_CODES: ReadonlySet<ProbeErrorCode> = new Set(['KEY_TYPE_UNAVAILABLE', 'STARTTLS_NOT_OFFERED']);

/** Regroups one target's observations. */
export function collectServed(observations: readonly Observation[]): Served {
  const certs = new Map<string, ServedCert>();
  const answeredKeyTypes = new Set<KeyType>();
  const addressesByKeyType = new Map<KeyType, Set<string>>();
  const mixAt = new Map<string, Map<string, number>>();
  const unavailableAt = new Map<KeyType, Set<string>>();
  const failures: ProbeFailureFacts[] = [];
  let answered = false;
  for (const o of observations) {
    if (o.ok && o.chain.length > 0) {
      answered = true;
      answeredKeyTypes.add(o.keyType);
      const set = addressesByKeyType.get(o.keyType) ?? new Set<string>();
      set.add(o.address);
      addressesByKeyType.set(o.keyType, set);
      const slot = `${o.keyType} ${o.address}`;
      const mix = mixAt.get(slot) ?? new Map<string, number>();
      mix.set(o.chain[0].sha256, (mix.get(o.chain[0].sha256) ?? 0) + Math.max(1, o.samples ?? 1));
      mixAt.set(slot, mix);
      o.chain.forEach((cert, index) => {
        const entry = certs.get(cert.sha256) ?? {
          cert,
          role: index === 0 ? 'leaf' : 'chain',
          keyType: o.keyType,
          addresses: new Set<string>(),
          observations: [],
        };
        entry.addresses.add(o.address);
        entry.observations.push(o);
        certs.set(cert.sha256, entry);
      });
      continue;
    }
    const code = o.error?.code;
    if (code && ANSWERED_CODES.has(code)) {
      answered = true;
      if (code === 'KEY_TYPE_UNAVAILABLE') {
        const set = unavailableAt.get(o.keyType) ?? new Set<string>();
        set.add(o.address);
        unavailableAt.set(o.keyType, set);
        continue;
      }
    }
    failures.push({
      address: o.address,
      keyType: o.keyType,
      code: code ?? 'SMTP_PROTOCOL',
      message: o.error?.message ?? 'probe failed without a reason',
    });
  }
  return {
    certs,
    answeredKeyTypes,
    addressesByKeyType,
    mixAt,
    unavailableAt,
    failures,
    answered,
    addresses: [...new Set(observations.map((o) => o.address))].sort(),
  };
}

/** Served leaves of one key type. */
export function servedLeaves(served: Served, keyType: KeyType): ServedCert[] {
  return [...served.certs.values()].filter((s) => s.role === 'leaf' && s.keyType === keyType);
}
