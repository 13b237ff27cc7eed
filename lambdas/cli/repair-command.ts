/**
 * `certwatch repair`: finds the items of the history its readers cannot use (item-schema.ts; e.g. one
 * written by hand or by another tool) and sets them aside: each is printed on stdout as a JSON line, to
 * be fixed and brought back with `certwatch import --merge`, then removed from the store, so every
 * command works again (docs/cli.md "Bad items in a store").
 */
import type { Command } from 'commander';
import { type CliRun, oneLine, writeOut } from './cli-io';
import { addStoreOptions, type StoreCliValues, storeFlags, storeLocationFrom, withStore } from './shared/store-options';

interface RepairValues extends StoreCliValues {
  dryRun?: boolean;
}

/** `certwatch repair`. */
export function registerRepairCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    program
      .command('repair')
      .description(
        'set aside the items the readers cannot use: print each as a JSON line (to fix and import --merge), then remove it',
      ),
  )
    .option('--dry-run', 'only print the bad items; remove nothing')
    .action(async (values: RepairValues) => {
      const location = storeLocationFrom(values);
      const { checkItem, itemName } = await import('../store/item-schema.js');
      // A dry run only reads (a private copy: a read-only store too); neither run creates a missing store.
      await withStore(location, { mustExist: true, readOnly: values.dryRun === true }, async (opened) => {
        if (!opened) {
          const dir = location.kind === 'embedded' ? location.dir : location.tableName;
          run.stderr.write(`certwatch: no store at ${oneLine(dir)}: nothing to repair\n`);
          return;
        }
        const bad: Record<string, unknown>[] = [];
        for await (const item of opened.transfer.items()) {
          if (checkItem(item) !== null) bad.push(item);
        }
        // Every line is out before anything is removed: a failed write removes nothing.
        for (const item of bad) await writeOut(run.stdout, `${JSON.stringify(item)}\n`);
        if (bad.length === 0) {
          run.stderr.write(`certwatch: no bad item in ${opened.where}\n`);
          return;
        }
        const reasons = bad.slice(0, 1).map((item) => `${itemName(item)}: ${checkItem(item)?.reason}`);
        if (values.dryRun) {
          run.stderr.write(
            `certwatch: ${bad.length} bad item(s) in ${opened.where}, nothing removed (first: ${reasons[0]})\n`,
          );
          return;
        }
        for (const item of bad) await opened.transfer.removeItem(item);
        run.stderr.write(
          `certwatch: set aside ${bad.length} bad item(s) from ${opened.where} (printed on stdout; fix them, then ` +
            `certwatch import --merge ${storeFlags(location)} FILE)\n`,
        );
      });
    });
}
