/**
 * The cheap first pass over log entries: an Aho–Corasick automaton over the watched names' keys, run on
 * the raw TBS bytes. Nearly every entry contains none of them and is dropped without being parsed; the
 * few that do are parsed and matched exactly (names.ts). ASCII letters match either case.
 *
 * The automaton is a full DFA over byte classes (the bytes the keys use, plus "any other"), in one
 * Int32Array whose entries are the next state pre-multiplied by the class count, negated when a key ends
 * there: the scan loop is one load and one compare per byte.
 */

const fold = (b: number) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b);

/** A set of byte patterns searched all at once. */
export class NameFilter {
  private readonly classOf = new Uint8Array(256);
  private readonly delta: Int32Array;
  private readonly classCount: number;
  /** Keys searched, as given. */
  readonly keys: readonly string[];

  constructor(keys: Iterable<string>) {
    const unique = [...new Set([...keys].map((k) => k.toLowerCase()).filter((k) => k.length > 0))].sort();
    this.keys = unique;
    const patterns = unique.map((k) => Buffer.from(k, 'utf8').map(fold));
    // Byte classes: 0 = a byte no key uses.
    let classes = 1;
    for (const p of patterns) for (const b of p) if (this.classOf[b] === 0) this.classOf[b] = classes++;
    for (let b = 0x41; b <= 0x5a; b++) this.classOf[b] = this.classOf[b + 0x20];
    if (classes > 255) throw new RangeError('a name filter handles at most 254 distinct bytes');
    this.classCount = classes;

    // The trie (goto function), state 0 = root.
    const next: Array<Int32Array> = [new Int32Array(classes).fill(-1)];
    const accepting: boolean[] = [false];
    for (const p of patterns) {
      let s = 0;
      for (const b of p) {
        const c = this.classOf[b];
        if (next[s][c] < 0) {
          next[s][c] = next.length;
          next.push(new Int32Array(classes).fill(-1));
          accepting.push(false);
        }
        s = next[s][c];
      }
      accepting[s] = true;
    }

    // Failure links breadth-first turn the trie into a DFA.
    const fail = new Int32Array(next.length);
    const queue: number[] = [];
    for (let c = 0; c < classes; c++) {
      if (next[0][c] < 0) next[0][c] = 0;
      else {
        fail[next[0][c]] = 0;
        queue.push(next[0][c]);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head];
      accepting[s] = accepting[s] || accepting[fail[s]];
      for (let c = 0; c < classes; c++) {
        const t = next[s][c];
        if (t < 0) next[s][c] = next[fail[s]][c];
        else {
          fail[t] = next[fail[s]][c];
          queue.push(t);
        }
      }
    }

    this.delta = new Int32Array(next.length * classes);
    for (let s = 0; s < next.length; s++) {
      for (let c = 0; c < classes; c++) {
        const t = next[s][c];
        this.delta[s * classes + c] = accepting[t] ? -(t * classes) - 1 : t * classes;
      }
    }
  }

  /** States of the automaton (its size grows with the keys' total length). */
  get states(): number {
    return this.delta.length / this.classCount;
  }

  /** Whether any key occurs in `bytes[start, end)`. */
  test(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    if (this.keys.length === 0) return false;
    const delta = this.delta;
    const classOf = this.classOf;
    let s = 0;
    for (let i = start; i < end; i++) {
      s = delta[s + classOf[bytes[i]]];
      if (s < 0) return true;
    }
    return false;
  }
}
