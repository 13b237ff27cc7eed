/**
 * AWS's DynamoDB Local (a JAR run by the machine's Java) for tests: started once per suite that needs
 * it, in memory, telemetry off, on a random high port. It has no bind-address option and listens on every
 * interface, so clients talk to it over 127.0.0.1 only. The JAR is fetched by scripts/dynamodb-local.mjs
 * (jest's globalSetup runs it); it lacks point-in-time recovery, which the tables here never ask for.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoClient } from '../../lambdas/store/local-dynamo-client';

/** Where scripts/dynamodb-local.mjs puts the JAR (keep in step with its DYNAMODB_LOCAL.dir). */
const HOME = join(__dirname, '..', '..', '.ci', 'dynamodb-local', '1.25.1');
/** A start under load (two cores shared by several jobs) takes seconds, not minutes. */
const READY_WITHIN_MS = 120_000;
const STOP_WITHIN_MS = 15_000;

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  /** The pid of the shell that holds the JVM. */
  pid: number;
  close(): Promise<void>;
}

function javaVersion(): string {
  try {
    return execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw new Error('DynamoDB Local needs Java: install default-jre-headless (.ci/run does)');
  }
}

function jarHome(): string {
  if (!existsSync(join(HOME, 'DynamoDBLocal.jar'))) {
    execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'dynamodb-local.mjs')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return HOME;
}

/**
 * A port that is free on every interface now (DynamoDB Local binds them all), below Linux's ephemeral
 * range (32768–60999): the ports other tests get by binding port 0, and outgoing connections, come from
 * that range, so a JVM listening on every interface never takes one of theirs.
 */
function freeHighPort(): Promise<number> {
  const candidate = 20_000 + Math.floor(Math.random() * 12_000);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(freeHighPort()));
    probe.listen(candidate, () => probe.close(() => resolve(candidate)));
  });
}

/** Starts DynamoDB Local and resolves once it answers a request. */
export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  javaVersion();
  const home = jarHome();
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeHighPort();
    const work = mkdtempSync(join(tmpdir(), 'certwatch-dynamodb-local-'));
    // Through a shell that holds the JVM to our stdin: when this process ends, however it ends, the pipe
    // closes and the shell stops the JVM (a JVM left behind would keep its port, on every interface).
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        'java "$@" & jvm=$!; trap \'kill $jvm 2>/dev/null; exit 143\' TERM; read -r _; kill $jvm 2>/dev/null; wait $jvm',
        'dynamodb-local',
        // A short-lived test server: the quick compiler only, a small heap, one GC thread.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-Xmx256m',
        `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
        '-jar',
        join(home, 'DynamoDBLocal.jar'),
        '-inMemory',
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(port),
      ],
      // Its own working directory: DynamoDB Local writes a metadata file there.
      { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await untilAnswering(endpoint, child);
      return { endpoint, pid: child.pid ?? -1, close: () => stop(child, work) };
    } catch (error) {
      await stop(child, work);
      lastError = `${(error as Error).message}\n${output}`;
      if (!/Address already in use|BindException/.test(output)) break;
    }
  }
  throw new Error(`DynamoDB Local did not start: ${lastError}`);
}

async function untilAnswering(endpoint: string, child: ChildProcess): Promise<void> {
  const client = localDynamoClient(endpoint);
  const deadline = Date.now() + READY_WITHIN_MS;
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited (${code ?? signal})`;
  });
  try {
    for (;;) {
      if (exited) throw new Error(`the JVM ${exited}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`no answer within ${READY_WITHIN_MS} ms: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}

async function stop(child: ChildProcess, work: string): Promise<void> {
  await ended(child);
  rmSync(work, { recursive: true, force: true });
}

function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const term = setTimeout(() => child.kill('SIGTERM'), STOP_WITHIN_MS);
    const force = setTimeout(() => child.kill('SIGKILL'), 2 * STOP_WITHIN_MS);
    child.once('exit', () => {
      clearTimeout(term);
      clearTimeout(force);
      resolve();
    });
    child.stdin?.end();
  });
}
