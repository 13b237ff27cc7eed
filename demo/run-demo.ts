/**
 * The demo: a loopback imitation of Google's SMTP fleet watched for 25 simulated days, one watch cycle
 * per day (`now` injected), on the embedded store in a temporary directory, two Certificate Transparency
 * logs read before each cycle (demo/ct.ts). Along the way submission's next certificate is issued and
 * logged (CERTIFICATE_ISSUED with the pins to add, POLICY_FORECAST against a policy that pins the current
 * keys), the operator adds the new pins, and days later submission rolls it out address by address; the
 * MX certificate nears expiry before it is renewed, and one relay address stops offering STARTTLS. Every
 * notice is printed as it is published, and the run ends by drawing the timeline. Everything it starts is
 * stopped, and its directory removed, even when it fails or is interrupted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Notice } from '../lambdas/core/notice';
import type { NoticePublisher, PublishReceipt } from '../lambdas/core/ports';
import type { ProbeOptions } from '../lambdas/core/probe-options';
import { amendNewCertificates } from '../lambdas/ct/link-extension';
import { SmtpProber } from '../lambdas/probe/prober';
import { runWatchCycle } from '../lambdas/run/cycle';
import { type EmbeddedStore, startEmbeddedStore } from '../lambdas/store/embedded-store';
import { buildTimeline } from '../lambdas/timeline/layout';
import { renderTimelineHtml, renderTimelineSvg } from '../lambdas/timeline/render-svg';
import { screenshotHtml } from './chromium';
import { type DemoCt, pinPolicy, startDemoCt } from './ct';
import { createDemoPki, type DemoPki, type Fleet, startFleet } from './fleet';
import { type Certs, MX, RELAY, SMTP, STEPS, type World } from './story';

const DAY = 86_400_000;
/** The last simulated day: the demo's "today". */
export const LAST_DAY = 24;

/** What to do and where. */
export interface DemoOptions {
  /** The timeline file (.svg, or .html for a page); default `certwatch-timeline.svg`. */
  out?: string;
  /** Also write a PNG of the timeline, rendered by headless Chromium. */
  png?: string;
  /** Where each line of output goes (default stdout). */
  log?: (line: string) => void;
  /** Stops the run between two cycles (Ctrl-C). */
  signal?: AbortSignal;
  /** Where the temporary directory is made (default the system's). */
  tmpRoot?: string;
  /** The demo's "today" (default now). */
  today?: Date;
  /** Width of the picture (default: the timeline's, 1400). */
  width?: number;
}

/** A notice as the demo saw it published. */
export interface DemoNotice {
  day: number;
  notice: Notice;
}

/** What a run did. */
export interface DemoResult {
  /** The watched target URLs, in the fleet's order (aspmx 25, relay 25/465/587, smtp 465/587). */
  targets: string[];
  notices: DemoNotice[];
  cycles: number;
  timeline: string;
  png: string | null;
  tempDir: string;
  durationMs: number;
}

/** Raised when the run was interrupted (after cleaning up). */
export class DemoAborted extends Error {
  constructor() {
    super('demo interrupted');
    this.name = 'DemoAborted';
  }
}

/** Prints each notice on one line as the cycle publishes it, and keeps it. */
class DemoPublisher implements NoticePublisher {
  readonly seen: DemoNotice[] = [];
  private day = 0;
  private date = '';
  private told = false;

  constructor(private readonly log: (line: string) => void) {}

  /** Starts a day; the day's heading is printed once, by `say` or before its first notice. */
  startDay(day: number, date: string): void {
    this.day = day;
    this.date = date;
    this.told = false;
  }

  say(text: string): void {
    this.log(`day ${String(this.day).padStart(2)}  ${this.date}  ${text}`.trimEnd());
    this.told = true;
  }

  async publish(notice: Notice): Promise<PublishReceipt> {
    if (!this.told) this.say('');
    this.seen.push({ day: this.day, notice });
    const [title, ...rest] = notice.text.split('\n');
    this.log(`        ${notice.severity.toUpperCase().padEnd(8)}  ${notice.type.padEnd(19)} ${title}`);
    // What to paste now: the pin and TLSA lines of the CT notices.
    if (notice.type === 'CERTIFICATE_ISSUED' || notice.type === 'POLICY_FORECAST') {
      for (const line of rest.filter((l) => /^\s+(pin|TLSA|add pin|add tlsa)\b/.test(l)))
        this.log(`${' '.repeat(38)}${line.trim()}`);
    }
    if (notice.type === 'NEW_CERTIFICATE') {
      for (const line of rest.filter((l) => l.startsWith('Logged in Certificate Transparency')))
        this.log(`${' '.repeat(38)}${line}`);
    }
    return { messageId: `demo-${this.seen.length}` };
  }
}

async function issueCerts(pki: DemoPki, at: (day: number) => Date): Promise<Certs> {
  return {
    // Issued 56 days before day 0 and valid 80.5 days: 75 % of its life is gone on day 5.
    mxOld: await pki.pair(MX, 'mx old', at(-56), at(24.5)),
    mxNew: await pki.pair(MX, 'mx new', at(16), at(100)),
    relay: await pki.pair(RELAY, 'relay', at(-20), at(64)),
    smtpOld: await pki.pair(SMTP, 'smtp old', at(-50), at(34)),
  };
}

/** Runs the demo. Cleans up whatever happens; throws {@link DemoAborted} when interrupted. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const today = new Date(Math.floor((options.today ?? new Date()).getTime() / 60_000) * 60_000);
  const at = (day: number) => new Date(today.getTime() + (day - LAST_DAY) * DAY);
  const tempDir = mkdtempSync(join(options.tmpRoot ?? tmpdir(), 'certwatch-demo-'));
  const timeline = resolve(options.out ?? 'certwatch-timeline.svg');
  let fleet: Fleet | undefined;
  let embedded: EmbeddedStore | undefined;
  let ct: DemoCt | undefined;
  let clock = at(0).getTime();
  const stopIfAsked = () => {
    if (options.signal?.aborted) throw new DemoAborted();
  };
  try {
    log("certwatch demo: a loopback imitation of Google's SMTP hosts, watched for 25 days in a few seconds");
    const pki = await createDemoPki(at(0));
    const certs = await issueCerts(pki, at);
    stopIfAsked();
    fleet = await startFleet(
      pki,
      new Map([
        [MX.name, certs.mxOld],
        [RELAY.name, certs.relay],
        [SMTP.name, certs.smtpOld],
      ]),
    );
    embedded = await startEmbeddedStore({ dir: tempDir });
    ct = await startDemoCt(pki, () => clock);
    const submission = fleet.targets.filter((t) => t.host === SMTP.name).map((t) => t.url);
    const probeOptions: ProbeOptions = {
      ...fleet.probeOptions,
      policy: pinPolicy(submission, certs.smtpOld),
      ctLinkKeys: true,
    };
    log(`  ${fleet.targets.length} targets, 3 loopback addresses each, RSA + ECDSA chains from "Demo Root R1"`);
    log(`  history in ${tempDir} (removed at the end); one watch cycle per simulated day`);
    log(`  CT logs read before each cycle: ${ct.logs.map((l) => `${l.name} (${l.protocol})`).join(', ')}`);
    log(`  consumer policy: ${SMTP.name} pins its current RSA and ECDSA keys`);
    for (const t of fleet.targets) log(`    ${t.url}`);
    log('');

    const publisher = new DemoPublisher(log);
    const prober = new SmtpProber();
    const world: World = { fleet, certs, ct, options: probeOptions, at, seen: publisher.seen };
    for (let day = 0; day <= LAST_DAY; day++) {
      stopIfAsked();
      const now = at(day);
      clock = now.getTime();
      ct.dawn();
      publisher.startDay(day, now.toISOString().slice(0, 10));
      for (const step of STEPS.filter((s) => s.day === day)) {
        await step.act(world);
        publisher.say(step.say);
      }
      const store = embedded.store;
      const read = await ct.read({ store, targets: fleet.targets, probeOptions, now });
      for (const failed of read.logs.filter((l) => l.outcome !== 'ok'))
        publisher.say(`CT: ${failed.log}: ${failed.error}`);
      await runWatchCycle(
        { prober, store, publisher },
        {
          targets: fleet.targets,
          probeOptions,
          now,
          amend: (notices, observations) => amendNewCertificates(notices, { store, observations, now }),
        },
      );
    }

    const histories = await embedded.store.listHistories();
    const model = buildTimeline({
      histories,
      notices: publisher.seen.map((n) => n.notice),
      now: at(LAST_DAY),
      title: "certwatch demo · loopback imitation of Google's SMTP hosts",
      width: options.width,
    });
    const isHtml = /\.html?$/i.test(timeline);
    writeFileSync(timeline, isHtml ? renderTimelineHtml(model) : renderTimelineSvg(model));
    let png: string | null = null;
    if (options.png) {
      png = resolve(options.png);
      await screenshotHtml(renderTimelineHtml(model), png, { width: model.width, height: model.height });
    }
    const durationMs = Date.now() - started;
    log('');
    log(
      `${publisher.seen.length} notices in ${LAST_DAY + 1} cycles. Timeline: ${timeline}${png ? ` (PNG: ${png})` : ''}`,
    );
    log(`Done in ${(durationMs / 1000).toFixed(1)} s.`);
    return {
      targets: fleet.targets.map((t) => t.url),
      notices: publisher.seen,
      cycles: LAST_DAY + 1,
      timeline,
      png,
      tempDir,
      durationMs,
    };
  } finally {
    await fleet?.close();
    await ct?.close();
    await embedded?.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}
