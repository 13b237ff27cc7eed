/**
 * Crash anywhere: the scenario's cycle runs in a child process (crash-child.ts) that is SIGKILLed at
 * each step boundary in turn — after the probe, after every store write, after each publish claim and
 * each publish, after the store phase. Then a normal cycle runs at the same instant, and another an hour
 * later (past the publish lease). The history must equal an uninterrupted run's, and every notice must
 * have reached SNS exactly once across the killed child and the cycles after it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import type { CrashChildInput } from './crash-child';
import {
  assertOpen,
  createScenario,
  PHASES,
  type Phase,
  phaseTime,
  type Scenario,
  type StoreSnapshot,
  scenarioCycle,
  snapshot,
  snsAtSdkBoundary,
  tally,
} from './cycle-scenario';

const ROOT = join(__dirname, '..', '..');
const HOUR = 3_600_000;
/** A child that neither reaches its stop point nor finishes within this is killed and reported. */
const CHILD_GUARD_MS = 90_000;

/** What one child run printed. */
interface ChildRun {
  events: string[];
  published: string[];
  stoppedAt: string | null;
  finished: boolean;
}

/** Runs the child until it reaches boundary `stopAt` (then SIGKILL) or finishes (`stopAt` = -1). */
export function runCrashChild(input: CrashChildInput): Promise<ChildRun> {
  // `node --import tsx` (not the tsx CLI, which forks again): SIGKILL must hit the cycle itself.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crash-child.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      CERTWATCH_CRASH_CHILD: JSON.stringify(input),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: ChildRun = { events: [], published: [], stoppedAt: null, finished: false };
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`crash child stuck (stopAt ${input.stopAt}):\n${out}\n${err}`));
    }, CHILD_GUARD_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const [word, ...rest] = line.split(' ');
        if (word === 'EVENT') run.events.push(rest.slice(1).join(' '));
        else if (word === 'PUBLISHED') run.published.push(rest.join(' '));
        else if (word === 'DONE') run.finished = true;
        else if (word === 'HOOK' && run.stoppedAt === null) {
          run.stoppedAt = rest.join(' ');
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (run.stoppedAt !== null && signal === 'SIGKILL') resolve(run);
      else if (run.finished && code === 0) resolve(run);
      else reject(new Error(`crash child exited (${code ?? signal}) unexpectedly:\n${out}\n${err}`));
    });
  });
}

/** One kill point and what followed. */
export interface KillRun {
  phase: Phase;
  index: number;
  boundary: string;
  lost: string[];
  windowDuplicates: string[];
  duplicated: string[];
  unexpected: string[];
  historyMatches: boolean;
  pendingAtEnd: number;
}

/** Figures of a campaign. */
export interface CrashCampaignResult {
  /** Per phase: the boundaries of an uninterrupted child cycle, in order. */
  boundaries: Record<string, string[]>;
  runs: KillRun[];
  durationMs: number;
}

async function runWithKill(scenario: Scenario, phase: Phase, stopAt: number) {
  const embedded = await startEmbeddedStore({ inMemory: true });
  const sns = snsAtSdkBoundary();
  try {
    const direct = { store: embedded.store, publisher: sns.publisher };
    for (const earlier of PHASES.filter((p) => p < phase)) {
      scenario.setPhase(earlier);
      await scenarioCycle(scenario, direct, phaseTime(earlier), `phase-${earlier}`);
    }
    scenario.setPhase(phase);
    const child = await runCrashChild({
      endpoint: embedded.endpoint,
      tableName: embedded.tableName,
      wire: scenario.wire,
      now: phaseTime(phase).toISOString(),
      stopAt,
    });
    const afterKill = await snapshot(embedded.client, embedded.tableName);
    await scenarioCycle(scenario, direct, phaseTime(phase), 'rerun');
    await scenarioCycle(scenario, direct, phaseTime(phase, HOUR), 'later');
    const final = await snapshot(embedded.client, embedded.tableName);
    return { child, afterKill, final, delivered: [...sns.delivered, ...child.published] };
  } finally {
    sns.restore();
    await embedded.close();
  }
}

/** Options of a campaign. */
export interface CrashCampaignOptions {
  phases?: readonly Phase[];
  /** Picks the boundary indexes to kill at from the clean run's boundaries (default: all of them). */
  pick?(boundaries: readonly string[]): number[];
  onRun?(run: KillRun): void;
}

/** Kills the scenario's cycle at every boundary of every phase. */
export async function runCrashCampaign(
  options: CrashCampaignOptions = {},
  given?: Scenario,
): Promise<CrashCampaignResult> {
  const started = performance.now();
  const scenario = given ?? (await createScenario());
  const result: CrashCampaignResult = { boundaries: {}, runs: [], durationMs: 0 };
  try {
    // A use of the scenario: the end of the test stops it, should the test abandon it (useScenario).
    await scenario.use(async () => {
      for (const phase of options.phases ?? PHASES) {
        const clean = await runWithKill(scenario, phase, -1);
        const expected = [...new Set(clean.delivered)];
        result.boundaries[`phase ${phase}`] = clean.child.events;
        const indexes = options.pick?.(clean.child.events) ?? clean.child.events.map((_, i) => i);
        for (const index of indexes.filter((i) => i >= 0 && i < clean.child.events.length)) {
          assertOpen(scenario);
          const run = await runWithKill(scenario, phase, index);
          const { lost, duplicated, unexpected } = tally(run.delivered, expected);
          const pending = (s: StoreSnapshot) =>
            new Set(s.outbox.filter((o) => o.status === 'pending').map((o) => o.dedupeKey));
          const pendingAfterKill = pending(run.afterKill);
          const inWindow = (key: string) => run.child.published.includes(key) && pendingAfterKill.has(key);
          const kill: KillRun = {
            phase,
            index,
            boundary: run.child.stoppedAt ?? '?',
            lost,
            windowDuplicates: duplicated.filter(inWindow),
            duplicated: duplicated.filter((k) => !inWindow(k)),
            unexpected,
            historyMatches: isDeepStrictEqual(run.final.histories, clean.final.histories),
            pendingAtEnd: pending(run.final).size,
          };
          result.runs.push(kill);
          options.onRun?.(kill);
        }
      }
    });
  } finally {
    if (!given) await scenario.close();
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/** Kill runs that broke an invariant (anything but the publish → mark-sent window). */
export function crashViolations(runs: readonly KillRun[]): KillRun[] {
  return runs.filter(
    (r) =>
      r.lost.length > 0 ||
      r.duplicated.length > 0 ||
      r.unexpected.length > 0 ||
      !r.historyMatches ||
      r.pendingAtEnd > 0,
  );
}
