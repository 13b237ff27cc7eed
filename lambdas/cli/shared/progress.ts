/**
 * The progress line on a terminal: how many probes are done, and the slowest one still in flight, so a
 * hanging target shows its name instead of a blank screen for the whole deadline. Drawn on stderr only
 * when stderr is a terminal; piped or redirected, nothing extra is written.
 */
import type { WriteStream } from 'node:tty';
import type { ProgressObserver } from '../../probe/pool';

/** How often the line is redrawn. */
const REDRAW_MS = 250;

/** A progress line on a terminal; every method is a no-op elsewhere. */
export class ProgressLine implements ProgressObserver {
  readonly #stream: NodeJS.WritableStream;
  readonly #verb: string;
  readonly #active: boolean;
  readonly #inFlight = new Map<number, { label: string; since: number }>();
  #total = 0;
  #done = 0;
  #timer: NodeJS.Timeout | undefined;
  #drawn = false;

  /** @param verb what the work is called, e.g. `probing`. */
  constructor(stream: NodeJS.WritableStream, verb: string) {
    this.#stream = stream;
    this.#verb = verb;
    this.#active = (stream as Partial<WriteStream>).isTTY === true;
  }

  planned(total: number): void {
    this.#total += total;
    if (!this.#active || this.#timer) return;
    this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
    this.#timer.unref();
  }

  started(id: number, label: string): void {
    this.#inFlight.set(id, { label, since: Date.now() });
  }

  /** The last item of the plan clears the line, before the command prints anything after the probes. */
  finished(id: number): void {
    if (this.#inFlight.delete(id)) this.#done++;
    if (this.#done >= this.#total) this.stop();
  }

  /** Clears the line and stops drawing; call before printing the result. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }

  #draw(): void {
    const columns = (this.#stream as Partial<WriteStream>).columns ?? 80;
    let line = `${this.#verb} ${this.#done}/${this.#total}`;
    const slowest = [...this.#inFlight.values()].sort((a, b) => a.since - b.since)[0];
    if (slowest) {
      line += ` · slowest in flight: ${slowest.label} (${((Date.now() - slowest.since) / 1000).toFixed(1)} s)`;
    }
    if (line.length > columns - 1) line = `${line.slice(0, columns - 2)}…`;
    this.#stream.write(`\r\x1b[K${line}`);
    this.#drawn = true;
  }
}
