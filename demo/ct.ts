/**
 * The demo's Certificate Transparency: two loopback logs like Google's (a static-ct one that includes an
 * entry at once, and an RFC 6962 one that publishes a new head once a day, its merge delay), the demo CA
 * issuing through them with openssl (precertificate logged, SCTs embedded, final certificate), and the
 * CT step run before each day's cycle (docs/ct.md). The consumer policy pins submission's keys, so the
 * next certificate's POLICY_FORECAST comes days before it is served.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { ctLogsSource } from '../lambdas/core/ct/logs-setting';
import type { PolicySet } from '../lambdas/core/policy/model';
import type { HistoryStore } from '../lambdas/core/ports';
import type { ProbeOptions } from '../lambdas/core/probe-options';
import type { Target } from '../lambdas/core/targets';
import { type CtStepResult, runCtStep } from '../lambdas/ct/ct-step';
import type { CertPair, DemoPki, FleetHost } from './fleet';
import { leafKey, openCtCa } from './support/ct-certs';
import { issueThroughLogs } from './support/ct-log/issue';
import { TestCtLog } from './support/ct-log/log';
import { type CtLogServer, startCtLogServer } from './support/ct-log/server';

/** The demo's logs and how to read them. */
export interface DemoCt {
  logs: TestCtLog[];
  /** Issues an RSA + ECDSA pair for `host` through the logs (precertificates now, final certificates in the static log). */
  issuePair(host: FleetHost, label: string, notBefore: Date, notAfter: Date): Promise<CertPair>;
  /** A new simulated day: the RFC 6962 log publishes its daily head (entries of the day before). */
  dawn(): void;
  /** The CT step of one simulated day. */
  read(input: {
    store: HistoryStore;
    targets: readonly Target[];
    probeOptions: ProbeOptions;
    now: Date;
  }): Promise<CtStepResult>;
  close(): Promise<void>;
}

/** Base64 SHA-256 of a PEM certificate's public key (an SPKI pin). */
export function spkiPinOf(chainPem: string): string {
  const spki = new X509Certificate(chainPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** A policy pinning the public keys of `pair` at `targets` (what a Postfix fingerprint map or an app might hold). */
export function pinPolicy(targets: readonly string[], pair: CertPair): PolicySet {
  return {
    source: 'the demo policy',
    policies: [
      {
        index: 1,
        name: 'submission key pins',
        targets: [...targets],
        pins: pair.certs.map((c) => {
          const sha256 = spkiPinOf(c.chainPem);
          return { text: `sha256/${Buffer.from(sha256, 'hex').toString('base64')}`, form: 'spki' as const, sha256 };
        }),
      },
    ],
  };
}

/** Starts the demo's logs on loopback; `clock` is the simulated time (entries and heads are stamped with it). */
export async function startDemoCt(pki: DemoPki, clock: () => number): Promise<DemoCt> {
  const logs = [
    new TestCtLog({ name: "Demo 'Skylight2026' log", protocol: 'static-ct', now: clock, operator: 'Demo CT' }),
    new TestCtLog({ name: "Demo 'Argon2026' log", protocol: 'rfc6962', now: clock, operator: 'Demo Google' }),
  ];
  for (const log of logs) {
    log.addFiller(300);
    log.publish();
  }
  const server: CtLogServer = await startCtLogServer(logs);
  // Unsigned: the demo's list is served without a signature beside it (Chrome's must be signed).
  server.overrideList(Buffer.from(JSON.stringify(server.logList())), null);
  let serial = 0x5e000;
  return {
    logs,
    async issuePair(host, label, notBefore, notAfter) {
      const certs: CertPair['certs'] = [];
      const sha256 = {} as CertPair['sha256'];
      for (const keyType of ['ecdsa', 'rsa'] as const) {
        const intermediate = pki.intermediates[keyType];
        const ca = openCtCa(intermediate);
        try {
          serial += 1;
          const key = leafKey(undefined, keyType);
          const issued = issueThroughLogs(
            ca,
            [intermediate.der, pki.root.der],
            { names: host.sans, serial: serial.toString(16), notBefore, notAfter },
            key,
            logs,
          );
          logs[0].addCertificate(issued.certificate, [intermediate.der, pki.root.der]);
          const pem = new X509Certificate(issued.certificate).toString();
          certs.push({ keyPem: key.keyPem, chainPem: pem + intermediate.certPem });
          sha256[keyType] = createHash('sha256').update(issued.certificate).digest('hex');
        } finally {
          ca.close();
        }
      }
      return { label, certs, sha256 };
    },
    dawn() {
      logs[1].publish();
    },
    async read({ store, targets, probeOptions, now }) {
      return runCtStep(
        {
          source: ctLogsSource(server.listUrl),
          backfill: 0,
          maxEntries: 100_000,
          maxBytes: 64 * 1024 * 1024,
          expectIssuers: [],
        },
        { store, targets, probeOptions, now, deadline: Date.now() + 60_000 },
      );
    },
    close: () => server.close(),
  };
}
