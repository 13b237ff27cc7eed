/**
 * A loopback imitation of Google's SMTP fleet: the six default targets (MX, relay on 25/465/587,
 * submission on 465/587), each host on three loopback addresses, every server holding an RSA and an
 * ECDSA certificate from a generated CA ("Demo Root R1" → "Demo WR2" / "Demo WE2"). Ports are the real
 * ones plus 10000 (10025, 10465, 10587) when free, else any free port.
 */
import type { KeyType } from '../lambdas/core/observation';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../lambdas/core/probe-options';
import { parseTarget, type ResolvePin, type Target } from '../lambdas/core/targets';
import { createRoot, type Issued, issue } from './support/pki';
import { type ServerCert, type SmtpTestServer, startSmtpTestServer } from './support/smtp-test-server';

const DAY = 86_400_000;

/** One host of the fleet: its certificate set and the loopback addresses behind its name. */
export interface FleetHost {
  name: string;
  /** Names on its certificates. */
  sans: string[];
  addresses: string[];
  /** (scheme, real port) of each target on this host. */
  services: Array<{ mode: 'starttls' | 'implicit'; port: number }>;
}

/** The hosts, as Google publishes them (addresses and ports are the demo's). */
export const HOSTS: readonly FleetHost[] = [
  {
    name: 'aspmx.l.google.com',
    sans: ['mx.google.com', 'aspmx.l.google.com', 'alt1.aspmx.l.google.com'],
    addresses: ['127.0.0.11', '127.0.0.12', '127.0.0.13'],
    services: [{ mode: 'starttls', port: 25 }],
  },
  {
    name: 'smtp-relay.gmail.com',
    sans: ['smtp-relay.gmail.com'],
    addresses: ['127.0.0.21', '127.0.0.22', '127.0.0.23'],
    services: [
      { mode: 'starttls', port: 25 },
      { mode: 'implicit', port: 465 },
      { mode: 'starttls', port: 587 },
    ],
  },
  {
    name: 'smtp.gmail.com',
    sans: ['smtp.gmail.com'],
    addresses: ['127.0.0.31', '127.0.0.32', '127.0.0.33'],
    services: [
      { mode: 'implicit', port: 465 },
      { mode: 'starttls', port: 587 },
    ],
  },
];

/** An RSA + ECDSA pair of leaves (what one Google frontend holds at a time). */
export interface CertPair {
  label: string;
  certs: ServerCert[];
  sha256: Record<KeyType, string>;
}

/** The generated CA. */
export interface DemoPki {
  root: Issued;
  intermediates: Record<KeyType, Issued>;
  /** Issues an RSA + ECDSA pair for `host`, valid between two instants. */
  pair(host: FleetHost, label: string, notBefore: Date, notAfter: Date): Promise<CertPair>;
}

/** Creates the demo CA: an ECDSA root with an RSA and an ECDSA intermediate, like GTS Root R1 → WR2 / WE2. */
export async function createDemoPki(base: Date): Promise<DemoPki> {
  const from = new Date(base.getTime() - 400 * DAY);
  const to = new Date(base.getTime() + 3000 * DAY);
  const root = await createRoot({ name: 'Demo Root R1', keyType: 'ecdsa', notBefore: from, notAfter: to });
  const rsa = await issue(root, { name: 'Demo WR2', isCa: true, keyType: 'rsa', notBefore: from, notAfter: to });
  const ecdsa = await issue(root, { name: 'Demo WE2', isCa: true, keyType: 'ecdsa', notBefore: from, notAfter: to });
  const intermediates = { rsa, ecdsa };
  return {
    root,
    intermediates,
    async pair(host, label, notBefore, notAfter) {
      const certs: ServerCert[] = [];
      const sha256 = {} as Record<KeyType, string>;
      for (const keyType of ['ecdsa', 'rsa'] as const) {
        const intermediate = intermediates[keyType];
        const leaf = await issue(intermediate, { name: host.sans[0], sans: host.sans, keyType, notBefore, notAfter });
        certs.push({ keyPem: leaf.keyPem, chainPem: leaf.certPem + intermediate.certPem });
        sha256[keyType] = leaf.sha256;
      }
      return { label, certs, sha256 };
    },
  };
}

/** The servers of one host: one per address and service. */
export interface RunningHost {
  host: FleetHost;
  targets: Target[];
  /** Servers by address, then by target URL. */
  servers: Map<string, Map<string, SmtpTestServer>>;
  /** Serves `pair` on one address (every service of it). */
  serve(address: string, pair: CertPair): void;
  /** Hides or shows STARTTLS on one address (every STARTTLS service of it). */
  hideStartTls(address: string, hide: boolean): void;
}

/** The running fleet. */
export interface Fleet {
  hosts: Map<string, RunningHost>;
  targets: Target[];
  probeOptions: ProbeOptions;
  close(): Promise<void>;
}

async function listenOnAll(
  host: FleetHost,
  mode: 'starttls' | 'implicit',
  port: number,
  certs: ServerCert[],
): Promise<SmtpTestServer[]> {
  const started: SmtpTestServer[] = [];
  try {
    for (const address of host.addresses) {
      const first = started[0];
      started.push(
        await startSmtpTestServer({ address, port: first ? first.port : port, mode, certs, greeting: host.name }),
      );
    }
    return started;
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    if (port !== 0 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      return listenOnAll(host, mode, 0, certs);
    }
    throw error;
  }
}

/** Starts every server of the fleet serving the given initial pairs (by host name). */
export async function startFleet(pki: DemoPki, initial: ReadonlyMap<string, CertPair>): Promise<Fleet> {
  const hosts = new Map<string, RunningHost>();
  const all: SmtpTestServer[] = [];
  const pins: ResolvePin[] = [];
  try {
    for (const host of HOSTS) {
      const pair = initial.get(host.name) as CertPair;
      const servers = new Map<string, Map<string, SmtpTestServer>>(host.addresses.map((a) => [a, new Map()]));
      const targets: Target[] = [];
      for (const service of host.services) {
        const group = await listenOnAll(host, service.mode, service.port + 10_000, pair.certs);
        all.push(...group);
        const port = group[0].port;
        const target = parseTarget(`${service.mode === 'implicit' ? 'smtps' : 'smtp'}://${host.name}:${port}`);
        targets.push(target);
        pins.push({ host: host.name, port, addresses: [...host.addresses] });
        for (const server of group) servers.get(server.address)?.set(target.url, server);
      }
      hosts.set(host.name, {
        host,
        targets,
        servers,
        serve(address, next) {
          for (const server of servers.get(address)?.values() ?? []) server.setCerts(next.certs);
        },
        hideStartTls(address, hide) {
          for (const [url, server] of servers.get(address) ?? [])
            if (url.startsWith('smtp://')) server.setHideStartTls(hide);
        },
      });
    }
  } catch (error) {
    await Promise.all(all.map((s) => s.close()));
    throw error;
  }
  return {
    hosts,
    targets: [...hosts.values()].flatMap((h) => h.targets),
    probeOptions: {
      ...DEFAULT_PROBE_OPTIONS,
      timeoutMs: 5000,
      resolve: pins,
      extraAnchorsDer: [new Uint8Array(pki.root.der)],
      ehloName: 'certwatch.demo',
    },
    async close() {
      await Promise.all(all.map((s) => s.close()));
    },
  };
}
