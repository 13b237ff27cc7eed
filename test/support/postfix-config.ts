/**
 * A private Postfix instance's configuration (test/support/postfix.ts starts it): what a test asks for,
 * and the main.cf and master.cf written from it, with the listeners' ports bound first.
 */
import { createServer, isIPv6, type Server } from 'node:net';
import { join } from 'node:path';

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

export function formatHost(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

export function listenerUrl(address: string, port: number, mode: PostfixListenerMode): string {
  return `${mode === 'implicit' ? 'smtps' : 'smtp'}://${formatHost(address)}:${port}`;
}

/** Binds port 0 on each address that needs one, all at once so one instance never gets a port twice. */
export async function resolvePorts(specs: PostfixListenerSpec[]): Promise<PostfixListener[]> {
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

export function checkValue(name: string, value: string, inMasterCf = false): string {
  // master.cf `-o { name = value }` cannot hold braces; neither file can hold a line break.
  if (/[\r\n]/.test(value) || (inMasterCf && /[{}]/.test(value))) {
    throw new Error(`postfix setting ${name} has an unusable value: ${JSON.stringify(value)}`);
  }
  return value;
}

export function mainCf(dir: string, syslogName: string, options: PostfixOptions, chainFiles: string[]): string {
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

export function masterCf(listeners: PostfixListener[], specs: PostfixListenerSpec[]): string {
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
