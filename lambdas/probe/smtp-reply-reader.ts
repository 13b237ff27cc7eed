import type { Socket } from 'node:net';
import { ProbeError } from './errors';

/** Limits on SMTP replies (docs/observation.md "One probe"; measured in docs/reliability.md). */
export const MAX_REPLY_LINE = 4 * 1024;
export const MAX_REPLY_BYTES = 64 * 1024;

/** One SMTP reply (RFC 5321 §4.2): a code and its text lines. */
export interface SmtpReply {
  code: number;
  lines: string[];
}

/**
 * Reads SMTP replies from a socket, within size limits, and stops reading when asked so that the
 * bytes after a reply (there must be none after `220` to STARTTLS) can be checked and handed on.
 */
export class SmtpReplyReader {
  private buffer: Buffer = Buffer.alloc(0);
  private waiter?: () => void;
  private ended?: ProbeError;
  private readonly onData = (chunk: Buffer) => {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.waiter?.();
  };
  private readonly onEnd = () => {
    this.ended ??= new ProbeError('SMTP_PROTOCOL', 'the server closed the connection');
    this.waiter?.();
  };
  private readonly onError = (error: Error & { code?: string }) => {
    this.ended ??= new ProbeError(
      'SMTP_PROTOCOL',
      error.code === 'ECONNRESET' ? 'the server reset the connection' : `connection error: ${error.message}`,
      { cause: error },
    );
    this.waiter?.();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /**
   * Reads one whole reply (all continuation lines).
   * @throws ProbeError SMTP_PROTOCOL for malformed or oversized replies, TIMEOUT when `signal` aborts.
   */
  async read(signal: AbortSignal, timeoutMessage: string): Promise<SmtpReply> {
    const lines: string[] = [];
    let code: number | undefined;
    let consumed = 0;
    for (;;) {
      const newline = this.buffer.indexOf(0x0a, consumed);
      if (newline === -1) {
        if (this.buffer.length - consumed > MAX_REPLY_LINE + 2) {
          throw new ProbeError('SMTP_PROTOCOL', `reply line longer than ${MAX_REPLY_LINE} bytes`);
        }
        if (this.buffer.length > MAX_REPLY_BYTES) {
          throw new ProbeError('SMTP_PROTOCOL', `reply longer than ${MAX_REPLY_BYTES} bytes`);
        }
        await this.waitForData(signal, timeoutMessage);
        continue;
      }
      const end = newline > consumed && this.buffer[newline - 1] === 0x0d ? newline - 1 : newline;
      if (end - consumed > MAX_REPLY_LINE) {
        throw new ProbeError('SMTP_PROTOCOL', `reply line longer than ${MAX_REPLY_LINE} bytes`);
      }
      const line = this.buffer.subarray(consumed, end).toString('latin1');
      consumed = newline + 1;
      if (consumed > MAX_REPLY_BYTES)
        throw new ProbeError('SMTP_PROTOCOL', `reply longer than ${MAX_REPLY_BYTES} bytes`);
      const match = /^([2-5]\d\d)([ -]|$)(.*)$/.exec(line);
      if (!match) throw new ProbeError('SMTP_PROTOCOL', `malformed reply line: ${printable(line)}`);
      const lineCode = Number(match[1]);
      if (code !== undefined && lineCode !== code) {
        throw new ProbeError('SMTP_PROTOCOL', `reply code changed within a reply (${code} then ${lineCode})`);
      }
      code = lineCode;
      lines.push(match[3]);
      if (match[2] !== '-') {
        this.buffer = this.buffer.subarray(consumed);
        return { code, lines };
      }
    }
  }

  /** Stops listening and returns any bytes received beyond the last reply. */
  detach(): Buffer {
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('end', this.onEnd);
    this.socket.removeListener('close', this.onEnd);
    this.socket.removeListener('error', this.onError);
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }

  private waitForData(signal: AbortSignal, timeoutMessage: string): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    if (signal.aborted) return Promise.reject(new ProbeError('TIMEOUT', timeoutMessage));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiter = undefined;
        reject(new ProbeError('TIMEOUT', timeoutMessage));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = () => {
        this.waiter = undefined;
        signal.removeEventListener('abort', onAbort);
        if (this.ended) reject(this.ended);
        else resolve();
      };
    });
  }
}

/** A reply line made safe for an error message: control and non-ASCII bytes escaped, length capped. */
export function printable(text: string): string {
  const escaped = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > 120 ? `${escaped.slice(0, 120)}…` : escaped;
}
