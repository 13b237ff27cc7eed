/**
 * The certificate campaign under a watchdog: the inputs run in a worker thread with a heap limit; an
 * input that makes no progress within `hangMs` or exhausts the heap is recorded as a finding, the
 * worker is replaced and the campaign resumes with the next input. Synchronous code cannot be
 * interrupted in its own thread: this is what makes the per-input time bound real.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  type CertCampaignOptions,
  type CertCampaignResult,
  type CertFinding,
  certFinding,
  emptyCertResult,
  replayCertInput,
  runCertCampaign,
} from './cert-fuzz';

/** Options of a guarded campaign. */
export interface GuardedCertOptions {
  seed: number;
  count: number;
  timeBoundMs?: number;
  memoryBoundMb?: number;
  /** No progress for this long = a hang (default 20 s). */
  hangMs?: number;
  /** The worker's old-generation heap limit (default 2048 MiB). */
  heapLimitMb?: number;
  onProgress?(done: number): void;
}

type WorkerMessage = { type: 'at'; index: number } | { type: 'done'; result: CertCampaignResult };

function merge(total: CertCampaignResult, part: CertCampaignResult): void {
  total.inputs += part.inputs;
  total.certs += part.certs;
  total.unparseable += part.unparseable;
  total.trusted += part.trusted;
  total.findings.push(...part.findings);
  for (const [name, stats] of Object.entries(part.byMutator)) {
    total.byMutator[name] ??= { inputs: 0, certs: 0 };
    total.byMutator[name].inputs += stats.inputs;
    total.byMutator[name].certs += stats.certs;
  }
  total.slowestMs = Math.max(total.slowestMs, part.slowestMs);
  total.largestModelRatio = Math.max(total.largestModelRatio, part.largestModelRatio);
  total.peakHeapMb = Math.max(total.peakHeapMb, part.peakHeapMb);
  total.lastIndex = Math.max(total.lastIndex, part.lastIndex);
}

function runSegment(
  options: GuardedCertOptions,
  start: number,
): Promise<{ result?: CertCampaignResult; stoppedAt: number; failure?: CertFinding }> {
  const input: CertCampaignOptions = {
    seed: options.seed,
    count: options.count,
    start,
    timeBoundMs: options.timeBoundMs,
    memoryBoundMb: options.memoryBoundMb,
  };
  // tsx does not follow into worker threads: register it in the worker first.
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, {
    eval: true,
    workerData: input,
    resourceLimits: { maxOldGenerationSizeMb: options.heapLimitMb ?? 2048 },
  });
  const hangMs = options.hangMs ?? 20_000;
  let current = start;
  let lastProgress = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: { result?: CertCampaignResult; stoppedAt: number; failure?: CertFinding }) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      void worker.terminate().then(() => resolve(value));
    };
    const failure = (rule: CertFinding['rule'], message: string) =>
      certFinding(replayCertInput(options.seed, current), rule, message);
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > hangMs) {
        finish({ stoppedAt: current, failure: failure('hang', `no progress for ${hangMs} ms`) });
      }
    }, 250);
    worker.on('message', (message: WorkerMessage) => {
      lastProgress = Date.now();
      if (message.type === 'at') {
        current = message.index;
        options.onProgress?.(message.index);
      } else finish({ result: message.result, stoppedAt: message.result.lastIndex });
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const rule = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash';
      finish({ stoppedAt: current, failure: failure(rule, `worker died: ${error.code ?? error.message}`) });
    });
    worker.on('exit', (code) => {
      finish({ stoppedAt: current, failure: failure('crash', `worker exited with code ${code}`) });
    });
  });
}

/** Runs the whole campaign in bounded worker segments and merges their figures. */
export async function runGuardedCertCampaign(options: GuardedCertOptions): Promise<CertCampaignResult> {
  const started = performance.now();
  const total = emptyCertResult(options.seed);
  let start = 0;
  // Each segment ends at the end or advances past a failing input: at most `count` segments.
  for (let segments = 0; start < options.count && segments < options.count; segments++) {
    const segment = await runSegment(options, start);
    if (segment.result) merge(total, segment.result);
    if (segment.failure) {
      total.findings.push(segment.failure);
      total.inputs += segment.result ? 0 : segment.stoppedAt - start + 1;
    }
    start = segment.stoppedAt + 1;
  }
  total.durationMs = Math.round(performance.now() - started);
  return total;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const options = workerData as CertCampaignOptions;
  void runCertCampaign({ ...options, onInput: (index) => port.postMessage({ type: 'at', index }) }).then((result) =>
    port.postMessage({ type: 'done', result }),
  );
}
