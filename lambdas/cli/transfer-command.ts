/**
 * `certwatch export` and `certwatch import`: the history as JSON Lines, one stored item per line, to back
 * up the embedded store and to move history between it and a DynamoDB table.
 */
import type { Command } from 'commander';
import { type CliRun, UsageError, writeOut } from './cli-io';
import { LineSplitter, readBoundedFile, type StdinReader } from './shared/bounded-input';
import { addStoreOptions, type StoreCliValues, storeLocationFrom, withStore } from './shared/store-options';

/** The most an import reads: far above any real history, a bound against reading a device forever. */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

interface ImportValues extends StoreCliValues {
  merge?: boolean;
}

/** `certwatch export`. */
export function registerExportCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    program
      .command('export')
      .description('write every item of the history (certificates, state, outbox, watch list) as JSON Lines on stdout'),
  ).action(async (values: StoreCliValues) => {
    const location = storeLocationFrom(values);
    await withStore(location, { readOnly: true }, async (opened) => {
      if (!opened)
        throw new UsageError(`no store at ${location.kind === 'embedded' ? location.dir : ''}: nothing to export`);
      let count = 0;
      // writeOut stops at a closed or full stdout (`export | head -1`, `export > /dev/full`); withStore
      // then closes the store, which releases its lock.
      for await (const item of opened.transfer.items()) {
        await writeOut(run.stdout, `${JSON.stringify(item)}\n`);
        count++;
      }
      run.stderr.write(`certwatch: exported ${count} item(s) from ${opened.where}\n`);
    });
  });
}

/** `certwatch import`. */
export function registerImportCommand(program: Command, run: CliRun, stdin: StdinReader): void {
  addStoreOptions(
    program
      .command('import')
      .description('read JSON Lines written by `certwatch export` into the store (refused when it holds history)')
      .argument('[file]', 'the export to read, or - for standard input', '-'),
  )
    .option('--merge', 'add to a store that already holds history; items it already has are kept as they are')
    .action(async (file: string, values: ImportValues) => {
      const location = storeLocationFrom(values);
      const source = file === '-' ? 'stdin' : file;
      // import-lines loads the item rules: only when the command runs (see program.ts).
      const { ImportLines, MAX_IMPORT_LINE_BYTES } = await import('../store/import-lines.js');
      const lines = new ImportLines(source);
      const splitter = new LineSplitter(MAX_IMPORT_LINE_BYTES, (line) => lines.add(line));
      // Every line is checked as it is read, before the store is even opened: a line that is no item is a
      // StoreError IMPORT_INVALID naming the line (exit code 2), and nothing is written.
      const onChunk = (chunk: Buffer) => splitter.push(chunk);
      const rest =
        file === '-'
          ? await stdin({ limit: MAX_IMPORT_BYTES, describe: 'JSON Lines from certwatch export', onChunk })
          : await readBoundedFile(file, MAX_IMPORT_BYTES, file, onChunk);
      // A reader that handed the input over whole (tests' in-process stdin).
      if (rest.length > 0) splitter.push(rest);
      splitter.end();
      const items = lines.items;
      if (items.length === 0)
        throw new UsageError(`${source}: no item to import (expected JSON Lines from certwatch export)`);
      const outcome = await withStore(location, {}, async (opened) => {
        if (!opened) throw new UsageError('no store to import into');
        // A store that is not empty without --merge is a StoreError IMPORT_NOT_EMPTY (exit code 2).
        return {
          where: opened.where,
          ...(await opened.transfer.importItems(items, {
            merge: Boolean(values.merge),
            now: new Date(),
            where: opened.where,
          })),
        };
      });
      const settled = outcome.outboxSettled
        ? `; ${outcome.outboxSettled} pending notice(s) will not be published again`
        : '';
      run.stderr.write(
        `certwatch: imported ${outcome.written} item(s) into ${outcome.where}` +
          `${outcome.kept ? `, kept ${outcome.kept} it already had` : ''}${settled}\n`,
      );
    });
}
