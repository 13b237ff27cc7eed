/**
 * Plain SMTP from the test side, independent of certwatch's own client: a short EHLO dialogue, and the
 * readiness check a private Postfix's listeners must pass (test/support/postfix.ts).
 */
import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { PostfixListener } from './postfix-config';

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

/**
 * One readiness check. Plain listeners must send a 220 greeting. An implicit-TLS listener counts as
 * ready once it greets inside TLS or answers the handshake with a TLS alert: tests may configure it
 * so that no handshake can succeed, and an alert still proves smtpd is serving.
 */
export function greets(listener: PostfixListener, timeoutMs: number): Promise<boolean> {
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
