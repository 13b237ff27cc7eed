import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import type { ChildInput } from './cycle-child';
import { at, HOST, RecordingPublisher, type ServerPair, useCycleWorkspace } from './cycle-harness';

const ROOT = join(__dirname, '..', '..');

/** Runs a cycle in a child process until it reaches `hook`, then SIGKILLs it. Returns what it printed. */
async function runChildUntilKilled(input: ChildInput): Promise<string> {
  // `node --import tsx` (not the tsx CLI, which forks a second process): SIGKILL must hit the cycle itself.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'cycle-child.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      CERTWATCH_CHILD: JSON.stringify(input),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    // Never leave a child behind, whatever happens to the test.
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not reach its hook point in 90 s:\n${out}\n${err}`));
    }, 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('HOOK ')) {
        clearTimeout(guard);
        child.kill('SIGKILL');
        resolve();
      }
    });
    exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`child exited (${code}) before its hook point:\n${out}\n${err}`));
    });
  });
  await exited;
  return out;
}

describe('watch cycle killed between store and publish (child process, SIGKILL)', () => {
  const ws = useCycleWorkspace('crash');
  let pair: ServerPair;

  beforeEach(async () => {
    pair = await ws.startPair(await ws.pki.leaf());
  });

  function childInput(hook: ChildInput['hook']): ChildInput {
    return {
      endpoint: ws.embedded.endpoint,
      tableName: ws.embedded.tableName,
      target: pair.target.url,
      port: pair.port,
      addresses: ['127.0.0.2', '127.0.0.3'],
      host: HOST,
      rootDerBase64: ws.pki.root.der.toString('base64'),
      now: at(0).toISOString(),
      hook,
    };
  }

  function nextCycle(publisher: RecordingPublisher, now: Date) {
    return runWatchCycle(
      { prober: new SmtpProber(), store: ws.embedded.store, publisher },
      { targets: [pair.target], probeOptions: pair.probeOptions, now },
    );
  }

  it('loses nothing when killed after the store writes: the next cycle publishes the BASELINE once', async () => {
    // Prepare
    const printed = await runChildUntilKilled(childInput('afterStore'));
    const stored = await ws.embedded.store.loadTarget(pair.target.url);
    const publisher = new RecordingPublisher();

    // Act
    const next = await nextCycle(publisher, at(0.01));
    await nextCycle(publisher, at(0.02));

    // Assess
    expect(printed).not.toContain('PUBLISHED');
    expect(stored.state?.version).toBe(1);
    expect(next.notices).toEqual([]);
    expect(publisher.types()).toEqual(['BASELINE']);
    expect(await ws.embedded.store.pendingNotices()).toEqual([]);
    // A child process (node + tsx) that starts slowly on a busy machine.
  }, 120_000);

  it('loses nothing when killed holding a publish claim: the claim expires and the next cycle publishes', async () => {
    // Prepare
    const printed = await runChildUntilKilled(childInput('afterClaim'));
    const publisher = new RecordingPublisher();

    // Act
    const withinLease = await nextCycle(publisher, at(0.001));
    const afterLease = await nextCycle(publisher, at(0.01));

    // Assess
    expect(printed).toContain('HOOK afterClaim');
    expect(printed).not.toContain('PUBLISHED');
    expect(withinLease.published).toEqual([]);
    expect(afterLease.published.map((n) => n.type)).toEqual(['BASELINE']);
    expect(await ws.embedded.store.pendingNotices()).toEqual([]);
    // A child process (node + tsx) that starts slowly on a busy machine.
  }, 120_000);
});
