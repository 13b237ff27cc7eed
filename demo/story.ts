/**
 * The demo's story: what happens on which simulated day (demo/run-demo.ts runs it), told before that day's
 * cycle runs.
 */
import type { ProbeOptions } from '../lambdas/core/probe-options';
import type { DemoCt } from './ct';
import { type CertPair, type Fleet, HOSTS } from './fleet';

/** A notice as the demo saw it published. */
export interface StoryNotice {
  day: number;
  notice: { type: string; facts: unknown };
}

export interface Certs {
  mxOld: CertPair;
  mxNew: CertPair;
  relay: CertPair;
  smtpOld: CertPair;
  /** Issued (and logged) on day 2. */
  smtpNew?: CertPair;
}

/** What a step may act on. */
export interface World {
  fleet: Fleet;
  certs: Certs;
  ct: DemoCt;
  /** The probe options of the cycles, their consumer policy included. */
  options: ProbeOptions;
  at(day: number): Date;
  /** Notices published so far. */
  seen: readonly StoryNotice[];
}

/** What happens on which day, told before that day's cycle runs. */
export interface Step {
  day: number;
  say: string;
  act(world: World): void | Promise<void>;
}

export const [MX, RELAY, SMTP] = HOSTS;

export const STEPS: Step[] = [
  { day: 0, say: 'first cycle: certwatch records what every address presents', act: () => undefined },
  {
    day: 2,
    say: "the CA issues smtp.gmail.com's next RSA + ECDSA certificates; they are logged in Certificate Transparency",
    act: async (w) => {
      w.certs.smtpNew = await w.ct.issuePair(SMTP, 'smtp new', w.at(2), w.at(86));
    },
  },
  {
    day: 3,
    say: 'the operator adds the new keys, from POLICY_FORECAST, to the submission pins',
    act: (w) => {
      const policy = w.options.policy?.policies[0];
      for (const { notice } of w.seen.filter((n) => n.notice.type === 'POLICY_FORECAST')) {
        const sha256 = Buffer.from((notice.facts as { spkiSha256: string }).spkiSha256, 'base64').toString('hex');
        if (policy && !policy.pins?.some((p) => p.sha256 === sha256)) {
          policy.pins?.push({ text: `sha256/${Buffer.from(sha256, 'hex').toString('base64')}`, form: 'spki', sha256 });
        }
      }
    },
  },
  ...SMTP.addresses.map((address, i) => ({
    day: 6 + i,
    say: `smtp.gmail.com rolls out new RSA + ECDSA certificates: ${address} (${i + 1} of 3)`,
    act: (w: World) => w.fleet.hosts.get(SMTP.name)?.serve(address, w.certs.smtpNew as CertPair),
  })),
  {
    day: 13,
    say: `smtp-relay.gmail.com stops offering STARTTLS on ${RELAY.addresses[1]} (ports 25 and 587)`,
    act: (w) => w.fleet.hosts.get(RELAY.name)?.hideStartTls(RELAY.addresses[1], true),
  },
  {
    day: 16,
    say: `STARTTLS is back on ${RELAY.addresses[1]}`,
    act: (w) => w.fleet.hosts.get(RELAY.name)?.hideStartTls(RELAY.addresses[1], false),
  },
  ...MX.addresses.map((address, i) => ({
    day: 19 + i,
    say: `aspmx.l.google.com is renewed at last: ${address} (${i + 1} of 3)`,
    act: (w: World) => w.fleet.hosts.get(MX.name)?.serve(address, w.certs.mxNew),
  })),
];
