/**
 * The lines of an import (JSON Lines written by `certwatch export`), each checked before anything is
 * written: JSON, one object, every name once (JSON.parse keeps the last of a repeated name, so a line
 * with `pk` twice would write an item nobody wrote), the item rules of item-schema.ts (types, required
 * attributes, keys that agree with the attributes, at most 400 KB as DynamoDB counts), and each item's
 * keys once in the file. A refusal names the line and the attribute (README "Store integrity").
 */
import { StoreError } from './errors';
import { checkItem, itemName, type StoredItem } from './item-schema';

/** A line holds one item (≤ 400 KB as DynamoDB counts) plus JSON's overhead. */
export const MAX_IMPORT_LINE_BYTES = 1024 * 1024;

/** The items of an import, collected line by line; the first bad line stops it. */
export class ImportLines {
  readonly items: StoredItem[] = [];
  private readonly lineOfKey = new Map<string, number>();
  private lineNumber = 0;

  /** `source` names the input in messages (a file name, `stdin`). */
  constructor(private readonly source: string) {}

  /**
   * Checks and keeps the item of the next line (blank lines count, and are skipped).
   * @throws StoreError IMPORT_INVALID naming the line (and the attribute at fault)
   */
  add(raw: string): void {
    this.lineNumber++;
    const line = raw.trim();
    if (line === '') return;
    const where = `${this.source}: line ${this.lineNumber}`;
    const refuse = (why: string, cause?: unknown) =>
      new StoreError('IMPORT_INVALID', `${where}: ${why}; nothing was imported`, { cause });
    if (Buffer.byteLength(line) > MAX_IMPORT_LINE_BYTES) {
      throw refuse(`longer than ${MAX_IMPORT_LINE_BYTES} bytes (an item holds at most 400 KB)`);
    }
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch (cause) {
      throw refuse(`not JSON (${(cause as Error).message})`, cause);
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw refuse('expected one item as a JSON object');
    }
    const repeated = repeatedName(line);
    if (repeated) throw refuse(`"${repeated.slice(0, 60)}" is given twice in one object (JSON keeps only the last)`);
    const problem = checkItem(item as StoredItem, { size: true });
    if (problem) {
      const { pk, sk } = item as StoredItem;
      const named = typeof pk === 'string' && typeof sk === 'string' ? `item ${itemName(item as StoredItem)}: ` : '';
      throw refuse(`${named}${problem.reason}`);
    }
    const key = JSON.stringify([(item as StoredItem).pk, (item as StoredItem).sk]);
    const first = this.lineOfKey.get(key);
    if (first !== undefined) {
      throw refuse(`item ${itemName(item as StoredItem)} is already on line ${first} (one line per item)`);
    }
    this.lineOfKey.set(key, this.lineNumber);
    this.items.push(item as StoredItem);
  }
}

/**
 * The first name that appears twice in one object of a JSON text already known to be valid, or null.
 * Names are compared as JSON decodes them (`"p\u006b"` is `pk`).
 */
export function repeatedName(json: string): string | null {
  // Per open object: its names so far and whether the next string is a name; null for an array.
  const stack: Array<{ names: Set<string>; expectName: boolean } | null> = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{') stack.push({ names: new Set(), expectName: true });
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack.at(-1);
      if (top) top.expectName = true;
    } else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (top?.expectName) {
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.names.has(name)) return name;
        top.names.add(name);
        top.expectName = false;
      }
      i = end;
    }
  }
  return null;
}
