/**
 * A private, throw-away Postfix instance for integration tests: real smtpd listeners on loopback
 * addresses with generated certificates, started with `postfix -c DIR start` from its own config,
 * queue and data directories under a temp dir. The system's default instance and /etc/postfix are
 * never written to. Needs root and the Debian `postfix` package (`.ci/run` installs it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, isIPv6, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

const POSTFIX = '/usr/sbin/postfix';

/** What a listener offers: STARTTLS after EHLO, TLS from the first byte (wrapper mode), or no TLS at all. */
export type PostfixListenerMode = 'starttls' | 'implicit' | 'none';

/** One smtpd listener to run. */
export interface PostfixListenerSpec {
  /** A loopback address, e.g. `127.0.0.2` (any 127.0.0.x binds on Linux). */
  address: string;
  /** 0 picks a free port on `address`. */
  port: number;
  mode: PostfixListenerMode;
  /** Extra main.cf-style settings for this listener only (master.cf `-o`). */
  extra?: Record<string, string>;
}

/** A listener as running: the port is the real one. */
export interface PostfixListener {
  address: string;
  port: number;
  mode: PostfixListenerMode;
  /** certwatch target URL: `smtps://` for implicit TLS, else `smtp://`. */
  url: string;
}

/** A private key with the certificate chain it serves (leaf first), both PEM. */
export interface PostfixChain {
  keyPem: string;
  chainPem: string;
}

/** Postfix cipher grades (`smtpd_tls_ciphers`). */
export type PostfixCipherGrade = 'high' | 'medium' | 'low' | 'export' | 'null';

/** How to run the instance. */
export interface PostfixOptions {
  listeners: PostfixListenerSpec[];
  /**
   * Served certificates: one = a single certificate; an RSA and an ECDSA one = a dual-certificate server
   * (Postfix picks by what the client offers). None = TLS listeners cannot complete a handshake.
   */
  chains: PostfixChain[];
  /** `smtpd_tls_protocols`, e.g. `>=TLSv1.2`. Also the default of `mandatoryProtocols`. */
  protocols?: string;
  /** `smtpd_tls_mandatory_protocols`: what implicit-TLS (wrapper mode) listeners accept. Defaults to `protocols`. */
  mandatoryProtocols?: string;
  /** `smtpd_tls_ciphers`. Also the default of `mandatoryCiphers`. */
  ciphers?: PostfixCipherGrade;
  /** `smtpd_tls_mandatory_ciphers` (implicit-TLS listeners). Defaults to `ciphers`. */
  mandatoryCiphers?: PostfixCipherGrade;
  /** `smtpd_tls_exclude_ciphers`, e.g. `aNULL, RC4, CAMELLIA`. */
  excludeCiphers?: string;
  /** Any other main.cf settings; applied last, so they win. */
  tlsExtra?: Record<string, string>;
  /** `myhostname`, shown in the greeting. Default `mx.certwatch.test`. */
  hostname?: string;
  /** Bound on start-up and on each reconfiguration until every listener greets. Default 30 s (a busy machine). */
  startTimeoutMs?: number;
}

/** A running private instance. */
export interface PostfixInstance {
  /** Listeners as running (ports resolved), in the order given; updated by `reconfigure`. */
  readonly listeners: PostfixListener[];
  /** The instance's temp dir (config in `etc/`, queue in `queue/`, log in `maillog`). */
  readonly dir: string;
  /** Stops Postfix and removes the temp dir. Idempotent; never throws for an instance already gone. */
  stop(): Promise<void>;
  /**
   * Applies changed options (certificates, TLS settings, listeners) with `postfix reload`, as an
   * operator rotating certificates would, and waits until every listener greets again.
   */
  reconfigure(changes: Partial<PostfixOptions>): Promise<void>;
  /** The last `lines` lines of the instance's maillog (Postfix's only log here: there is no syslog). */
  logTail(lines?: number): Promise<string>;
}

/** What a test should say when Postfix is missing. */
export const POSTFIX_MISSING_MESSAGE =
  'Postfix is not installed (/usr/sbin/postfix is missing). Integration tests need a real Postfix: run `.ci/run` ' +
  '(as root) or install it with: echo "postfix postfix/main_mailer_type select No configuration" | ' +
  'debconf-set-selections && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix';

/** Is Postfix installed here? Tests must not skip on `false`: `startPostfix` then fails with a clear message. */
export function postfixAvailable(): boolean {
  return existsSync(POSTFIX);
}

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Postfix commands clean their environment themselves, but a stray MAIL_CONFIG must not leak in.
const POSTFIX_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };

function run(file: string, args: string[], timeoutMs = 15_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: POSTFIX_ENV, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr: stderr || (error && code === null ? String(error) : '') });
      },
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function formatHost(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

function listenerUrl(address: string, port: number, mode: PostfixListenerMode): string {
  return `${mode === 'implicit' ? 'smtps' : 'smtp'}://${formatHost(address)}:${port}`;
}

/** Binds port 0 on each address that needs one, all at once so one instance never gets a port twice. */
async function resolvePorts(specs: PostfixListenerSpec[]): Promise<PostfixListener[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (const spec of specs) {
      if (spec.port !== 0) {
        ports.push(spec.port);
        continue;
      }
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: spec.address, port: 0, exclusive: true }, () => resolve());
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error(`no port for ${spec.address}`);
      ports.push(address.port);
    }
    return specs.map((spec, i) => ({
      address: spec.address,
      port: ports[i],
      mode: spec.mode,
      url: listenerUrl(spec.address, ports[i], spec.mode),
    }));
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function checkValue(name: string, value: string, inMasterCf = false): string {
  // master.cf `-o { name = value }` cannot hold braces; neither file can hold a line break.
  if (/[\r\n]/.test(value) || (inMasterCf && /[{}]/.test(value))) {
    throw new Error(`postfix setting ${name} has an unusable value: ${JSON.stringify(value)}`);
  }
  return value;
}

function mainCf(dir: string, syslogName: string, options: PostfixOptions, chainFiles: string[]): string {
  const ipv6 = options.listeners.some((listener) => isIPv6(listener.address));
  const settings: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: join(dir, 'queue'),
    data_directory: join(dir, 'data'),
    syslog_name: syslogName,
    maillog_file_prefixes: dir,
    maillog_file: join(dir, 'maillog'),
    inet_interfaces: 'loopback-only',
    inet_protocols: ipv6 ? 'ipv4, ipv6' : 'ipv4',
    myhostname: options.hostname ?? 'mx.certwatch.test',
    mydomain: 'certwatch.test',
    myorigin: '$myhostname',
    // Accept no mail: these servers exist only to greet and hand over certificates.
    mydestination: '',
    relay_domains: '',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    smtpd_relay_restrictions: 'reject',
    biff: 'no',
    smtpd_tls_security_level: 'may',
    smtpd_tls_chain_files: chainFiles.join(', '),
    smtpd_tls_loglevel: '1',
  };
  if (options.protocols !== undefined) settings.smtpd_tls_protocols = options.protocols;
  const mandatoryProtocols = options.mandatoryProtocols ?? options.protocols;
  if (mandatoryProtocols !== undefined) settings.smtpd_tls_mandatory_protocols = mandatoryProtocols;
  if (options.ciphers !== undefined) settings.smtpd_tls_ciphers = options.ciphers;
  const mandatoryCiphers = options.mandatoryCiphers ?? options.ciphers;
  if (mandatoryCiphers !== undefined) settings.smtpd_tls_mandatory_ciphers = mandatoryCiphers;
  if (options.excludeCiphers !== undefined) settings.smtpd_tls_exclude_ciphers = options.excludeCiphers;
  Object.assign(settings, options.tlsExtra ?? {});
  return `${Object.entries(settings)
    .map(([name, value]) => `${name} = ${checkValue(name, value)}`)
    .join('\n')}\n`;
}

// The services smtpd talks to; chroot is off ("n") so nothing needs copying into the queue directory.
const SUPPORT_SERVICES = `
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
anvil     unix  -       -       n       -       1       anvil
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
scache    unix  -       -       n       -       1       scache
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
`;

function masterCf(listeners: PostfixListener[], specs: PostfixListenerSpec[]): string {
  const lines = listeners.map((listener, i) => {
    const overrides: Record<string, string> = {};
    if (listener.mode === 'implicit') overrides.smtpd_tls_wrappermode = 'yes';
    if (listener.mode === 'none') overrides.smtpd_tls_security_level = 'none';
    Object.assign(overrides, specs[i].extra ?? {});
    const args = Object.entries(overrides)
      .map(([name, value]) => ` -o { ${name} = ${checkValue(name, value, true)} }`)
      .join('');
    return `${formatHost(listener.address)}:${listener.port} inet n - n - - smtpd${args}`;
  });
  return `${lines.join('\n')}\n${SUPPORT_SERVICES}`;
}

/** Reads one SMTP reply (all continuation lines) from `text`, or undefined while incomplete. */
function completeReply(text: string): string | undefined {
  const lines = text.split('\r\n');
  for (let i = 0; i < lines.length - 1; i++) {
    if (/^\d{3}(?: |$)/.test(lines[i])) return lines.slice(0, i + 1).join('\n');
  }
  return undefined;
}

/** A short SMTP dialogue: greeting, then EHLO. */
export interface SmtpEhloResult {
  /** The 220 greeting (all lines). */
  banner: string;
  /** EHLO reply lines without the `250-`/`250 ` prefix, e.g. `['mx.certwatch.test', 'PIPELINING', 'STARTTLS', …]`. */
  ehlo: string[];
  /** Whether EHLO advertised STARTTLS. */
  starttls: boolean;
}

/**
 * Plain-TCP SMTP: reads the greeting, sends EHLO, reads the reply, QUITs. For listeners in
 * `starttls` or `none` mode; a test helper independent of certwatch's own SMTP client.
 */
export function smtpEhlo(options: {
  address: string;
  port: number;
  name?: string;
  timeoutMs?: number;
}): Promise<SmtpEhloResult> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = '';
    let banner: string | undefined;
    const timer = setTimeout(
      () => finish(new Error(`no SMTP reply from ${options.address}:${options.port}`)),
      options.timeoutMs ?? 5000,
    );
    function finish(error?: Error, result?: SmtpEhloResult) {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else if (result) resolve(result);
    }
    socket.setEncoding('utf8');
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error(`connection to ${options.address}:${options.port} closed mid-dialogue`)));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const reply = completeReply(buffer);
      if (reply === undefined) return;
      buffer = '';
      if (banner === undefined) {
        banner = reply;
        if (!reply.startsWith('220')) return finish(new Error(`greeting was not 220: ${reply}`));
        socket.write(`EHLO ${options.name ?? 'probe.certwatch.test'}\r\n`);
        return;
      }
      socket.write('QUIT\r\n');
      if (!reply.startsWith('250')) return finish(new Error(`EHLO refused: ${reply}`));
      const ehlo = reply.split('\n').map((line) => line.slice(4));
      finish(undefined, { banner, ehlo, starttls: ehlo.some((line) => /^STARTTLS\b/i.test(line)) });
    });
    socket.connect({ host: options.address, port: options.port });
  });
}

const DIR_PREFIX = 'certwatch-postfix-';

function masterPidOf(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// PID 1 here may not reap orphans, so an exited process can linger as a zombie: treat that as gone.
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Stops and removes instances whose owning test process has exited without calling `stop()` (a
 * crashed or killed jest worker). Runs at every start; also usable from a jest globalTeardown.
 * Resolves to the number of instances removed.
 */
export async function reapOrphanedPostfix(): Promise<number> {
  let reaped = 0;
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number.parseInt(await readFile(join(dir, 'owner'), 'utf8'), 10);
    } catch {
      continue;
    }
    if (!Number.isInteger(owner) || alive(owner)) continue;
    const pid = masterPidOf(dir);
    if (pid !== undefined && alive(pid)) {
      try {
        // master leads its own process group; SIGTERM makes it stop its children too.
        process.kill(pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
      const deadline = Date.now() + 2000;
      while (alive(pid) && Date.now() < deadline) await sleep(25);
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    reaped++;
  }
  return reaped;
}

/**
 * One readiness check. Plain listeners must send a 220 greeting. An implicit-TLS listener counts as
 * ready once it greets inside TLS or answers the handshake with a TLS alert: tests may configure it
 * so that no handshake can succeed, and an alert still proves smtpd is serving.
 */
function greets(listener: PostfixListener, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let buffer = '';
    let settled = false;
    const socket =
      listener.mode === 'implicit'
        ? tlsConnect({
            host: listener.address,
            port: listener.port,
            rejectUnauthorized: false,
            minVersion: 'TLSv1',
            ciphers: 'ALL:@SECLEVEL=0',
          })
        : new Socket().connect({ host: listener.address, port: listener.port });
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code?.startsWith('ERR_SSL_') ?? false));
    socket.on('close', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      if (/^220[ -]/.test(buffer)) {
        socket.write('QUIT\r\n');
        done(true);
      } else if (buffer.length >= 3) done(false);
    });
  });
}

/**
 * Log lines that mean a listener will not come up by itself: stop waiting at once. An implicit-TLS
 * listener whose certificates do not load drops every connection ("Wrapper-mode request dropped").
 */
const BROKEN = /\b(fatal|panic):|bad command startup|TLS context initialization failed/;

/**
 * Starts a private Postfix instance and resolves once every listener greets. Rejects with the maillog
 * tail if Postfix does not come up in time, and with {@link POSTFIX_MISSING_MESSAGE} when Postfix is
 * not installed. Call `stop()` in `afterAll`.
 */
export async function startPostfix(options: PostfixOptions): Promise<PostfixInstance> {
  if (!postfixAvailable()) throw new Error(POSTFIX_MISSING_MESSAGE);
  if (process.getuid?.() !== 0) {
    throw new Error('startPostfix needs root: Postfix drops privileges to its own user and binds as root.');
  }
  if (options.listeners.length === 0) throw new Error('startPostfix needs at least one listener');

  await reapOrphanedPostfix().catch(() => undefined);
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  await writeFile(join(dir, 'owner'), String(process.pid));
  // Postfix's unprivileged processes must be able to walk into the queue and data directories.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'etc'));
  // postfix(1) chdirs into the queue directory before anything else; its subdirectories and the
  // postfix-owned data directory are then made by `post-install create-missing` during start.
  await mkdir(join(dir, 'queue'), { mode: 0o755 });
  const syslogName = `certwatch-pf-${dir.slice(-6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const configDir = join(dir, 'etc');
  const maillog = join(dir, 'maillog');
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let current: PostfixOptions = { ...options };
  let listeners: PostfixListener[] = [];
  let generation = 0;
  let stopping: Promise<void> | undefined;

  const readLog = async () => {
    try {
      return await readFile(maillog, 'utf8');
    } catch {
      return '';
    }
  };
  const logTail = async (lines = 40) => {
    const all = (await readLog()).trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  };

  async function writeConfig(next: PostfixOptions, nextListeners: PostfixListener[]) {
    generation++;
    const chainFiles: string[] = [];
    for (const [i, chain] of next.chains.entries()) {
      // A fresh file per generation: a reload never reads a half-written file, and a rotation is a new path.
      const file = join(configDir, `chain-${generation}-${i}.pem`);
      await writeFile(file, `${chain.keyPem.trimEnd()}\n${chain.chainPem.trimEnd()}\n`, { mode: 0o600 });
      chainFiles.push(file);
    }
    await writeFile(join(configDir, 'main.cf'), mainCf(dir, syslogName, next, chainFiles));
    await writeFile(join(configDir, 'master.cf'), masterCf(nextListeners, next.listeners));
    // Postfix waits (~2 s) before reading a config file modified within the last second, in case it
    // is still being edited: backdate ours, which are complete.
    const past = new Date(Date.now() - 60_000);
    for (const file of [join(configDir, 'main.cf'), join(configDir, 'master.cf'), ...chainFiles]) {
      await utimes(file, past, past);
    }
  }

  async function waitReady(from: number, context: string) {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(listeners);
    while (pending.size > 0) {
      for (const listener of [...pending]) {
        if (await greets(listener, Math.min(1000, Math.max(deadline - Date.now(), 1)))) pending.delete(listener);
      }
      if (pending.size === 0) return;
      const log = (await readLog()).slice(from);
      const broken = BROKEN.test(log);
      if (broken || Date.now() >= deadline) {
        const which = [...pending].map((l) => `${l.address}:${l.port} (${l.mode})`).join(', ');
        throw new Error(
          `Postfix ${context}: ${which} did not greet ${broken ? '(Postfix logged a fatal error)' : `within ${timeoutMs} ms`}.\n` +
            `maillog tail (${maillog}):\n${await logTail()}`,
        );
      }
      await sleep(50);
    }
  }

  async function shutdown() {
    const pid = masterPidOf(dir);
    if (pid !== undefined && alive(pid)) {
      await run(POSTFIX, ['-c', configDir, 'stop'], 10_000);
      const deadline = Date.now() + 5000;
      while (alive(pid) && Date.now() < deadline) await sleep(25);
      if (alive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone between the check and the kill.
        }
      }
    }
    forget(emergency);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }

  const emergency = () => {
    const pid = masterPidOf(dir);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Nothing to stop.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  remember(emergency);

  const stop = () => {
    stopping ??= shutdown();
    return stopping;
  };

  try {
    // A free port found now can be taken by someone else before master binds it: pick again then.
    for (let attempt = 1; ; attempt++) {
      listeners = await resolvePorts(current.listeners);
      await writeConfig(current, listeners);
      const from = (await readLog()).length;
      const started = await run(POSTFIX, ['-c', configDir, 'start']);
      if (started.code === 0) {
        await waitReady(from, 'started');
        break;
      }
      const log = (await readLog()).slice(from);
      const pickedPorts = current.listeners.some((spec) => spec.port === 0);
      if (pickedPorts && attempt < 3 && /Address already in use/.test(log)) continue;
      throw new Error(
        `postfix -c ${configDir} start failed (exit ${started.code}): ${started.stderr.trim()}\n` +
          `maillog tail (${maillog}):\n${await logTail()}`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    get listeners() {
      return listeners;
    },
    dir,
    stop,
    logTail,
    async reconfigure(changes: Partial<PostfixOptions>) {
      if (stopping) throw new Error('reconfigure after stop');
      const next = { ...current, ...changes };
      const nextListeners = changes.listeners ? await resolvePorts(next.listeners) : listeners;
      await writeConfig(next, nextListeners);
      const log = await readLog();
      const reloads = log.split('reload -- version').length;
      const reloaded = await run(POSTFIX, ['-c', configDir, 'reload']);
      if (reloaded.code !== 0) {
        throw new Error(`postfix reload failed (exit ${reloaded.code}): ${reloaded.stderr.trim()}\n${await logTail()}`);
      }
      // `postfix reload` only sends SIGHUP: wait until master says it has re-read its configuration.
      const deadline = Date.now() + timeoutMs;
      while ((await readLog()).split('reload -- version').length === reloads) {
        if (Date.now() >= deadline)
          throw new Error(`Postfix did not log a reload within ${timeoutMs} ms\n${await logTail()}`);
        await sleep(20);
      }
      current = next;
      listeners = nextListeners;
      await waitReady(log.length, 'reloaded');
    },
  };
}

// Safety net for a plain Node process that exits without calling stop(). Jest never runs it (test
// code sees a sandboxed `process` whose 'exit' never fires): reapOrphanedPostfix covers jest.
// The hook exists only while instances run, so repeated module loads (one per jest file) add none.
const live = new Set<() => void>();
function onExit() {
  for (const emergency of live) emergency();
}
function remember(emergency: () => void) {
  if (live.size === 0) process.on('exit', onExit);
  live.add(emergency);
}
function forget(emergency: () => void) {
  if (live.delete(emergency) && live.size === 0) process.off('exit', onExit);
}

/** The Postfix version installed here, e.g. `3.7.11` (for reports and error messages). */
export function postfixVersion(): string {
  return execFileSync('/usr/sbin/postconf', ['-d', '-h', 'mail_version'], {
    encoding: 'utf8',
    env: POSTFIX_ENV,
  }).trim();
}
