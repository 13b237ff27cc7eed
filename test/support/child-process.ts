/** Child processes a test starts, stopped before it ends: a child left running holds the jest worker open. */
import type { ChildProcess } from 'node:child_process';

/** Sends `signal` to `child` unless it has exited (or never started), and resolves once it has. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
