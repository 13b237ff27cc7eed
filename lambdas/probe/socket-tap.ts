import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * A Duplex over a TCP socket that records what the peer sends, up to a limit, before handing it on.
 * Node's TLS layer reads a plain net.Socket natively (nothing in JS sees those bytes); wrapping the
 * socket in a JS stream lets the probe keep the server's handshake exactly as it crossed the wire.
 */
export class SocketTap extends Duplex {
  private readonly received: Buffer[] = [];
  private receivedBytes = 0;
  private recording = true;
  private overflowed = false;

  constructor(
    private readonly socket: Socket,
    private readonly limit: number,
    initial?: Buffer,
  ) {
    super();
    if (initial && initial.length > 0) this.onData(initial);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** The peer's bytes recorded so far. */
  get capture(): Buffer {
    return Buffer.concat(this.received);
  }

  /** True when the peer sent more than the limit while recording. */
  get overLimit(): boolean {
    return this.overflowed;
  }

  /** Stops recording (the handshake is over). */
  stopRecording(): void {
    this.recording = false;
  }

  private onData(chunk: Buffer): void {
    if (this.recording) {
      if (this.receivedBytes + chunk.length > this.limit) {
        this.overflowed = true;
        this.destroy(new Error(`server sent more than ${this.limit} bytes during the handshake`));
        return;
      }
      this.received.push(chunk);
      this.receivedBytes += chunk.length;
    }
    if (!this.push(chunk)) this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
