import type { Socket } from 'node:net';
import type { SmtpInfo } from '../core/observation';
import { ProbeError } from './errors';
import { printable, type SmtpReply, SmtpReplyReader } from './smtp-reply-reader';

/** The SMTP side of a STARTTLS probe, up to the point where TLS starts. */
export interface StartTlsOutcome {
  smtp: SmtpInfo;
  /** Bytes that followed the 220 to STARTTLS (must be none; kept for the TLS layer otherwise). */
  leftover: Buffer;
}

/**
 * Greeting, EHLO and STARTTLS per RFC 5321 / RFC 3207. On success the socket is ready for the TLS
 * handshake; on failure `smtp` facts gathered so far travel with the error.
 */
export async function negotiateStartTls(
  socket: Socket,
  ehloName: string,
  signal: AbortSignal,
): Promise<StartTlsOutcome> {
  const reader = new SmtpReplyReader(socket);
  const smtp: SmtpInfo = { banner: null, ehlo: [], starttls: false };
  try {
    const greeting = await reader.read(signal, 'timed out waiting for the SMTP greeting');
    smtp.banner = greeting.lines.join('\n');
    if (greeting.code !== 220) {
      throw rejected(greeting, 'greeting');
    }
    socket.write(`EHLO ${ehloName}\r\n`);
    const ehlo = await reader.read(signal, 'timed out waiting for the EHLO reply');
    if (ehlo.code !== 250) {
      // 500/502: the server does not know EHLO (plain SMTP, so no STARTTLS); anything else refuses us.
      if (ehlo.code === 500 || ehlo.code === 502) {
        throw new ProbeError(
          'STARTTLS_NOT_OFFERED',
          `EHLO not supported (${describe(ehlo)}): no ESMTP, so no STARTTLS`,
        );
      }
      throw rejected(ehlo, 'EHLO');
    }
    smtp.ehlo = ehlo.lines.slice(1).map((line) => line.trim().split(/\s+/)[0].toUpperCase());
    smtp.starttls = smtp.ehlo.includes('STARTTLS');
    if (!smtp.starttls) {
      throw new ProbeError('STARTTLS_NOT_OFFERED', 'the server does not advertise STARTTLS in its EHLO reply');
    }
    socket.write('STARTTLS\r\n');
    const ready = await reader.read(signal, 'timed out waiting for the STARTTLS reply');
    if (ready.code === 421) throw rejected(ready, 'STARTTLS');
    if (ready.code !== 220) {
      throw new ProbeError('STARTTLS_REFUSED', `STARTTLS answered ${describe(ready)}`);
    }
    const leftover = reader.detach();
    if (leftover.length > 0) {
      // RFC 3207 §4: nothing may follow 220 in plaintext; bytes here could be an injection attack.
      throw new ProbeError('SMTP_PROTOCOL', `${leftover.length} unexpected bytes after the 220 reply to STARTTLS`);
    }
    return { smtp, leftover };
  } catch (error) {
    reader.detach();
    throw Object.assign(error as Error, { smtp });
  }
}

/**
 * Reads the greeting on an implicit-TLS connection (for the record only).
 * Failures here do not undo the certificate already seen: they return null.
 */
export async function readGreetingOverTls(socket: Socket, signal: AbortSignal): Promise<string | null> {
  const reader = new SmtpReplyReader(socket);
  try {
    const greeting = await reader.read(signal, 'timed out waiting for the SMTP greeting');
    return greeting.lines.join('\n');
  } catch {
    return null;
  } finally {
    reader.detach();
  }
}

function rejected(reply: SmtpReply, step: string): ProbeError {
  const code = reply.code >= 400 ? 'SMTP_REJECTED' : 'SMTP_PROTOCOL';
  return new ProbeError(code, `${step} answered ${describe(reply)}`);
}

function describe(reply: SmtpReply): string {
  return `${reply.code} ${printable(reply.lines.join(' ').trim())}`.trim();
}
