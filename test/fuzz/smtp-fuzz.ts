/**
 * The SMTP campaign: a loopback server per session answers the real prober (`SmtpProber`) with a
 * mutated dialogue (see smtp-plans.ts). Each session must end in one classified observation within
 * its timeout, with the classification the plan calls for where it calls for one.
 */
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import { PROBE_ERROR_CODES } from '../../lambdas/core/observation';
import { parseTarget } from '../../lambdas/core/targets';
import { mapWithLimit } from '../../lambdas/probe/pool';
import { SmtpProber } from '../../lambdas/probe/prober';
import { startScriptedServer } from '../support/hostile-servers';
import { createChain, type TestChain } from '../support/pki';
import { Rng } from './prng';
import { type SmtpPlan, type Stage, smtpPlan } from './smtp-plans';

const HOST = 'fuzz.test.example';

/** Options of a campaign. */
export interface SmtpCampaignOptions {
  seed: number;
  sessions: number;
  /** The probe deadline of sessions whose plan may or must end in TIMEOUT (ms). */
  timeoutMs?: number;
  /**
   * The probe deadline of sessions whose plan calls for another classification (ms; default `timeoutMs`).
   * A slow, fragmenting server on a busy machine may not finish its reply within a short deadline: the
   * probe then rightly says TIMEOUT, which is not what the session is about. A long deadline here keeps
   * such sessions about their classification; they end as soon as the server is done.
   */
  patientTimeoutMs?: number;
  concurrency?: number;
  /** Allowed overshoot of `durationMs` past the deadline, for classification and QUIT (ms). */
  slackMs?: number;
}

/** A session that broke a rule. */
export interface SmtpFinding {
  id: string;
  rule: 'hang' | 'unclassified' | 'misclassified' | 'late' | 'wrong-chain';
  steps: string[];
  expected: string[] | null;
  got: string;
  message: string;
}

/** What a campaign saw. */
export interface SmtpCampaignResult {
  seed: number;
  sessions: number;
  byOutcome: Record<string, number>;
  findings: SmtpFinding[];
  /** Largest `durationMs − timeoutMs` seen (negative when every session ended before its deadline). */
  maxOvershootMs: number;
  durationMs: number;
}

function write(socket: Socket, bytes: Buffer, fragmented: boolean, then: () => void): void {
  if (socket.destroyed) return;
  if (!fragmented || bytes.length === 0) {
    socket.write(bytes, () => then());
    return;
  }
  // At most 64 pieces, one per turn of the event loop: a slow, fragmenting server, still bounded.
  const size = Math.max(1, Math.ceil(bytes.length / 64));
  let offset = 0;
  const next = () => {
    if (socket.destroyed) return;
    if (offset >= bytes.length) return then();
    socket.write(bytes.subarray(offset, offset + size));
    offset += size;
    setImmediate(next);
  };
  next();
}

function startTls(socket: Socket, plan: SmtpPlan, context: SecureContext): void {
  if (plan.tls === 'handshake') {
    const tls = new TLSSocket(socket, { isServer: true, secureContext: context });
    tls.on('error', () => socket.destroy());
    tls.on('data', (chunk: Buffer) => {
      if (/^QUIT/im.test(chunk.toString('latin1'))) tls.end('221 2.0.0 bye\r\n');
    });
  } else if (plan.tls === 'garbage') {
    socket.once('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\nnot TLS\r\n'));
  } else if (plan.tls === 'close') {
    socket.once('data', () => socket.end());
  }
}

/** The server side of one plan. */
function script(plan: SmtpPlan, context: SecureContext) {
  return (socket: Socket) => {
    let halted = false;
    const answer = (stage: Stage, then?: () => void) =>
      write(socket, plan.replies[stage], plan.fragmented, () => {
        const after = plan.after[stage];
        if (after === 'close') socket.end();
        else if (after === 'reset') socket.resetAndDestroy();
        halted = after !== 'answer';
        if (!halted) then?.();
      });
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let nl = buffer.indexOf('\n'); nl !== -1 && !halted; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (/^EHLO /i.test(line)) answer('ehlo');
        else if (/^STARTTLS$/i.test(line)) {
          socket.removeListener('data', onData);
          answer('starttls', () => startTls(socket, plan, context));
          return;
        } else if (/^QUIT$/i.test(line)) socket.end('221 2.0.0 bye\r\n');
        else socket.write('502 5.5.1 unrecognized\r\n');
      }
    };
    socket.on('data', onData);
    answer('greeting');
  };
}

/** Shared material of a campaign: the served chain and one prober (its trust store is built once). */
export interface SmtpRig {
  chain: TestChain;
  context: SecureContext;
  prober: SmtpProber;
}

/** Generates the served chain (the outcome never depends on its random keys). */
export async function createSmtpRig(): Promise<SmtpRig> {
  const chain = await createChain({ keyType: 'ecdsa', hostnames: [HOST], tag: 'smtp-fuzz' });
  const context = createSecureContext({ key: chain.leaf.keyPem, cert: chain.chainPem });
  return { chain, context, prober: new SmtpProber() };
}

/** The deadline a session gets: short where TIMEOUT is a possible answer, patient where it is not. */
export function sessionTimeoutMs(plan: SmtpPlan, timeoutMs: number, patientTimeoutMs = timeoutMs): number {
  return plan.expect && !plan.expect.includes('TIMEOUT') ? Math.max(timeoutMs, patientTimeoutMs) : timeoutMs;
}

/** Runs one session; returns its finding, if any, and its outcome. */
export async function runSmtpSession(
  rig: SmtpRig,
  plan: SmtpPlan,
  timeoutMs: number,
  slackMs: number,
): Promise<{ outcome: string; finding?: SmtpFinding; overshootMs: number }> {
  const server = await startScriptedServer(script(plan, rig.context));
  const finding = (rule: SmtpFinding['rule'], got: string, message: string): SmtpFinding => ({
    id: plan.id,
    rule,
    steps: plan.steps,
    expected: plan.expect,
    got,
    message,
  });
  let guard: NodeJS.Timeout | undefined;
  try {
    const probe = rig.prober.probe([parseTarget(`smtp://${HOST}:${server.port}`)], {
      keyTypes: ['ecdsa'],
      timeoutMs,
      concurrency: 1,
      resolve: [{ host: HOST, port: server.port, addresses: ['127.0.0.1'] }],
      ehloName: 'fuzz.client.example',
      extraAnchorsDer: [new Uint8Array(rig.chain.root.der)],
    });
    const hang = new Promise<'hang'>((resolve) => {
      guard = setTimeout(() => resolve('hang'), timeoutMs * 3 + 2000);
    });
    const observations = await Promise.race([probe, hang]);
    if (observations === 'hang')
      return { outcome: 'hang', finding: finding('hang', 'none', 'no observation'), overshootMs: 0 };
    const [observation] = observations;
    const outcome = observation?.ok ? 'ok' : (observation?.error?.code ?? 'none');
    const overshootMs = (observation?.durationMs ?? 0) - timeoutMs;
    if (observations.length !== 1 || !(outcome === 'ok' || PROBE_ERROR_CODES.includes(outcome as never))) {
      return { outcome, finding: finding('unclassified', outcome, JSON.stringify(observations)), overshootMs };
    }
    if (outcome === 'ok' && observation.chain[0]?.sha256 !== rig.chain.leaf.sha256) {
      return { outcome, finding: finding('wrong-chain', outcome, 'ok without the served leaf'), overshootMs };
    }
    if (plan.expect && !plan.expect.includes(outcome as never)) {
      return { outcome, finding: finding('misclassified', outcome, observation.error?.message ?? ''), overshootMs };
    }
    if (overshootMs > slackMs) {
      return { outcome, finding: finding('late', outcome, `ended ${overshootMs} ms past its deadline`), overshootMs };
    }
    return { outcome, overshootMs };
  } finally {
    clearTimeout(guard);
    await server.close();
  }
}

/** Builds session `index` of campaign `seed` (pure). */
export function replaySmtpPlan(seed: number, index: number): SmtpPlan {
  return smtpPlan(Rng.for(seed, 'smtp', index), `${seed}:${index}`);
}

/** Runs `sessions` sessions of campaign `seed` with bounded concurrency. */
export async function runSmtpCampaign(options: SmtpCampaignOptions, rig?: SmtpRig): Promise<SmtpCampaignResult> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 1500;
  const slackMs = options.slackMs ?? 500;
  const material = rig ?? (await createSmtpRig());
  const indexes = Array.from({ length: options.sessions }, (_, i) => i);
  const results = await mapWithLimit(indexes, options.concurrency ?? 16, (i) => {
    const plan = replaySmtpPlan(options.seed, i);
    return runSmtpSession(material, plan, sessionTimeoutMs(plan, timeoutMs, options.patientTimeoutMs), slackMs);
  });
  const byOutcome: Record<string, number> = {};
  for (const r of results) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
  return {
    seed: options.seed,
    sessions: results.length,
    byOutcome,
    findings: results.flatMap((r) => (r.finding ? [r.finding] : [])),
    maxOvershootMs: Math.max(...results.map((r) => r.overshootMs)),
    durationMs: Math.round(performance.now() - started),
  };
}
