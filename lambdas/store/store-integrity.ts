/**
 * Checks that an embedded store's directory holds a whole LevelDB database before dynalite opens it.
 * LevelDB quietly starts an empty database where its CURRENT file is missing (deleting the table files
 * it no longer references), and dynalite throws from inside its HTTP handler on a corrupt block: either
 * way the history would be lost or the process would die with a stack trace. Reading every entry once
 * is cheap next to a watch cycle (a year of history is a few thousand entries) and finds both.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from './errors';

/** What the directory held. */
export type StoreCondition = { kind: 'absent' } | { kind: 'whole'; entries: number };

/** Files a LevelDB database writes; anything else in the engine directory is not ours to judge. */
const LEVELDB_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(ldb|log|sst))$/;
const DATA_FILE = /^(MANIFEST-\d+|\d+\.(ldb|log|sst))$/;

const REMEDY =
  'nothing was changed; restore it from a backup (`certwatch import`) or move the directory aside to start a new store';

function damaged(dir: string, what: string, cause?: unknown): StoreError {
  return new StoreError('STORE_DAMAGED', `the store ${dir} is damaged (${what}): ${REMEDY}`, { cause });
}

/**
 * Checks the store directory `dir` (the one given with `--store`) whose engine files live in
 * `dir/dynamodb`. Resolves `absent` when no database exists yet (a new store may be created there),
 * `whole` when every entry reads back and the history table is defined. The check reads a copy; with
 * `keepCopy` that copy is handed over (`copy`, the caller removes it), for a reader that must not touch
 * the store itself (LevelDB rewrites its files on every open).
 * @throws StoreError STORE_INVALID (not a directory) or STORE_DAMAGED (incomplete or corrupt).
 */
export async function checkEmbeddedStore(
  dir: string,
  tableName: string,
  options: { keepCopy?: boolean } = {},
): Promise<StoreCondition & { copy?: string }> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new StoreError('STORE_INVALID', `the store ${dir} is not a directory: give --store a directory`);
  }
  const engineDir = join(dir, 'dynamodb');
  if (!existsSync(engineDir)) return { kind: 'absent' };
  if (!statSync(engineDir).isDirectory()) throw damaged(dir, 'dynamodb is not a directory');
  const files = readdirSync(engineDir).filter((name) => LEVELDB_FILE.test(name));
  const dataFiles = files.filter((name) => DATA_FILE.test(name));
  if (!files.includes('CURRENT')) {
    if (dataFiles.length === 0) return { kind: 'absent' };
    throw damaged(dir, `dynamodb/CURRENT is missing beside ${dataFiles.length} database file(s)`);
  }
  // LevelDB rewrites its manifest and log on every open: read a copy, so a refused store stays as it was.
  const copy = mkdtempSync(join(tmpdir(), 'certwatch-check-'));
  let kept = false;
  try {
    cpSync(engineDir, copy, { recursive: true, filter: (source) => !source.endsWith('LOCK') });
    const entries = await readEveryEntry(dir, copy, tableName);
    kept = options.keepCopy === true;
    return kept ? { kind: 'whole', entries, copy } : { kind: 'whole', entries };
  } finally {
    if (!kept) rmSync(copy, { recursive: true, force: true });
  }
}

/** Opens the database at `engineDir` (never creating it) and reads every entry once. */
async function readEveryEntry(dir: string, engineDir: string, tableName: string): Promise<number> {
  // dynalite's own LevelDB binding, resolved from dynalite (the CLI build keeps dynalite external, and a
  // native binding cannot be bundled); loaded here so commands that never open a store never load it.
  const { Level } = createRequire(require.resolve('dynalite'))('level') as typeof import('level');
  const db = new Level<string, string>(engineDir, { createIfMissing: false, valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    throw damaged(dir, `cannot open its database: ${cause.message}`, error);
  }
  let entries = 0;
  let tableDefined = false;
  let tableItems = 0;
  try {
    for await (const [key, value] of db.iterator()) {
      entries++;
      JSON.parse(value);
      if (key === `table~${tableName}`) tableDefined = true;
      else if (key.startsWith(`item-${tableName}~`)) tableItems++;
    }
  } catch (error) {
    const message = error instanceof SyntaxError ? `an entry is not valid JSON` : (error as Error).message;
    throw damaged(dir, `entry ${entries} cannot be read: ${message}`, error);
  } finally {
    await db.close();
  }
  if (tableItems > 0 && !tableDefined) {
    throw damaged(dir, `${tableItems} item(s) of table ${tableName} but no definition of the table`);
  }
  return entries;
}
