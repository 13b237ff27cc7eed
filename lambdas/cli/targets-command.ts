/**
 * `certwatch targets add|remove|list`: edits and shows the watch list kept in the store (embedded or
 * a DynamoDB table). Removing keeps a target's history; adding a removed target watches it again.
 */
import { Argument, type Command } from 'commander';
import type { MxRecord } from '../core/mx';
import type { PolicySet } from '../core/policy/model';
import type { HistoryStore } from '../core/ports';
import type { WatchItem, WatchList } from '../core/watch-list';
import { type CliRun, EXIT, UsageError } from './cli-io';
import { type Column, table } from './format';
import { loadPolicyFile } from './policy-file';
import { addStoreOptions, type StoreCliValues, storeLocationFrom, withStore } from './shared/store-options';
import { DATE_CUT, NAME_CUT } from './shared/table';
import { PLAIN, type Terminal, terminalOf } from './shared/terminal';
import { CLI_DEFAULT_SEED, ensureWatchList, watchTargetsFrom } from './watch-list-cli';

interface TargetsValues extends StoreCliValues {
  json?: boolean;
  policy?: string;
  metric?: boolean;
}

/** One entry as `targets list --json` prints it. */
export interface ListedTarget extends WatchItem {
  /** For `mx:DOMAIN`: the hosts found at the last cycle (preference order) and those that left. */
  mx?: { hosts: string[]; gone: Record<string, string>; checkedAt: string } | null;
}

/** `certwatch targets`. */
export function registerTargetsCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    program
      .command('targets')
      .description('add targets to the watch list kept in the store, remove them (history kept), or list them')
      .addArgument(new Argument('<action>', 'what to do').choices(['add', 'remove', 'list']))
      .argument(
        '[targets...]',
        'smtp://host[:port], smtps://host[:port], mx:DOMAIN, or a set name: google, google-inbound',
      ),
  )
    .option('--json', 'print the resulting list as one JSON document')
    .option('--policy <file>', 'with add: keep this consumer policy (JSON or YAML) on each added entry')
    .option(
      '--metric',
      'with add: the deployed function emits a DaysToExpiry metric of its own for each entry (billed)',
    )
    .option('--no-metric', 'with add: no metric of its own for each entry (the default)')
    .action(async (action: 'add' | 'remove' | 'list', args: string[], values: TargetsValues) => {
      const location = storeLocationFrom(values);
      if (values.policy !== undefined && action !== 'add') throw new UsageError('--policy goes with targets add');
      if (values.metric !== undefined && action !== 'add') throw new UsageError('--metric goes with targets add');
      const policy = values.policy !== undefined ? await loadPolicyFile(values.policy) : undefined;
      if (action === 'list' && args.length > 0) throw new UsageError('targets list takes no TARGET');
      if (action !== 'list' && args.length === 0) throw new UsageError(`targets ${action} needs at least one TARGET`);
      const keys = watchTargetsFrom(args).map((t) => t.key);
      const now = new Date();
      // Each entry's policy is checked to fit its item before anything is written: all or nothing.
      const policies = policy ? await entryPolicies(policy, keys, values.policy as string, now) : null;
      if (action !== 'add' && location.kind === 'embedded') {
        const { hasEngineFiles, storeDirState } = await import('../store/store-paths.js');
        if (storeDirState(location.dir) === 'absent' || !hasEngineFiles(location.dir)) {
          if (action === 'remove') {
            // Nothing to remove from a store that is not there; removing creates nothing either.
            throw new UsageError(
              `not on the watch list of ${location.dir}: there is no store there yet (${keys.join(', ')})`,
            );
          }
          // Listing creates nothing: a missing store has no list yet (its first use sets one up).
          if (values.json) {
            const document = { store: location.dir, initializedWith: null, targets: [] };
            run.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
          } else {
            run.stdout.write(
              `No target is watched in ${location.dir} yet: there is no store there (certwatch targets add TARGET ` +
                "starts one with yours; certwatch check starts one with Google's).\n",
            );
          }
          return;
        }
      }
      const outcome = await withStore(location, { run }, async (opened) => {
        if (!opened) throw new Error('the store did not open');
        const { store, where } = opened;
        const lines = action === 'list' ? [] : await edit(store, action, keys, where, now);
        if (policy && policies) {
          for (const key of keys) await store.setWatchPolicy(key, policies.get(key));
          lines.push(
            ...keys.map(
              (k) =>
                `policy   ${k}: ${policy.policies.length} polic${policy.policies.length === 1 ? 'y' : 'ies'} from ${values.policy}`,
            ),
          );
        }
        if (values.metric !== undefined) {
          for (const key of keys) await store.setWatchMetric(key, values.metric);
          lines.push(
            ...keys.map((k) => `metric   ${k}: DaysToExpiry metric of its own ${values.metric ? 'on' : 'off'}`),
          );
        }
        const list = (await store.loadWatchList()) ?? (await ensureWatchList(store, CLI_DEFAULT_SEED, now));
        return { lines, list, mx: await store.listMx(), where };
      });
      const listed = toListed(outcome.list, outcome.mx);
      if (values.json) {
        const document = { store: outcome.where, initializedWith: outcome.list.meta.initializedWith, targets: listed };
        run.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      } else {
        if (outcome.lines.length > 0) run.stdout.write(`${outcome.lines.join('\n')}\n`);
        if (action === 'list') run.stdout.write(`${renderList(listed, terminalOf(run.stdout))}\n`);
        const active = listed.filter((t) => t.status === 'active').length;
        run.stdout.write(`${active} target(s) watched in ${outcome.where}\n`);
      }
      run.exitCode = EXIT.OK;
    });
}

async function edit(
  store: HistoryStore,
  action: 'add' | 'remove',
  keys: string[],
  where: string,
  now: Date,
): Promise<string[]> {
  if (action === 'add') {
    // An empty store's list starts with what is added here, not with Google's set.
    await ensureWatchList(store, { targets: [], source: 'cli' }, now);
    const result = await store.addWatchTargets(keys, 'cli', now, { reactivate: true });
    return [
      ...result.changed.map((t) => `added    ${t}`),
      ...result.unchanged.map((t) => `watched  ${t} (already on the list)`),
    ];
  }
  const list = await ensureWatchList(store, CLI_DEFAULT_SEED, now);
  const known = new Set(list.items.map((i) => i.target));
  const unknown = keys.filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new UsageError(`not on the watch list of ${where}: ${unknown.join(', ')} (see certwatch targets list)`);
  }
  const result = await store.removeWatchTargets(keys, now);
  return [
    ...result.changed.map((t) => `removed  ${t} (its history is kept)`),
    ...result.unchanged.map((t) => `removed  ${t} (already removed)`),
  ];
}

function toListed(list: WatchList, mxRecords: readonly MxRecord[]): ListedTarget[] {
  const byDomain = new Map(mxRecords.map((r) => [r.domain, r]));
  return list.items.map((item) => {
    if (!item.target.startsWith('mx:')) return item;
    const record = byDomain.get(item.target.slice(3));
    return {
      ...item,
      mx: record ? { hosts: record.hosts.map((h) => h.host), gone: record.gone, checkedAt: record.checkedAt } : null,
    };
  });
}

/** The human table: one row per entry, MX hosts beside their entry. */
export function renderList(listed: readonly ListedTarget[], terminal: Terminal = PLAIN): string {
  const rows = listed.map((t) => [
    t.target,
    t.metric ? `${t.status}, metric` : t.status,
    t.source,
    t.addedAt.slice(0, 16).replace('T', ' '),
    t.removedAt ? t.removedAt.slice(0, 16).replace('T', ' ') : '',
    t.mx === undefined ? '' : t.mx === null ? '(not looked up yet)' : t.mx.hosts.join(' '),
  ]);
  const header: Column[] = [
    { header: 'TARGET' },
    { header: 'STATUS' },
    { header: 'SOURCE', drop: 2 },
    { header: 'ADDED', cut: DATE_CUT, drop: 4 },
    { header: 'REMOVED', cut: DATE_CUT, drop: 3 },
    { header: 'MX HOSTS', cut: NAME_CUT, drop: 1 },
  ];
  return table(header, rows, { columns: terminal.columns });
}

/**
 * The policy document each added entry keeps, refused (exit 2, nothing written) when an entry's item
 * would be larger than the table holds (400 KB as DynamoDB counts).
 */
async function entryPolicies(
  policy: PolicySet,
  keys: readonly string[],
  file: string,
  now: Date,
): Promise<Map<string, unknown>> {
  const [{ entryPolicyDocument }, { watchItem }, { dynamoItemSize, MAX_ITEM_BYTES }] = await Promise.all([
    import('../core/policy/watch-policy.js'),
    import('../store/watch-list-items.js'),
    import('../store/item-schema.js'),
  ]);
  const documents = new Map<string, unknown>();
  for (const key of keys) {
    const document = entryPolicyDocument(policy, key);
    const at = now.toISOString();
    const size = dynamoItemSize(
      watchItem({ target: key, status: 'active', addedAt: at, removedAt: null, source: 'cli', policy: document }),
    );
    if (size > MAX_ITEM_BYTES) {
      throw new UsageError(
        `--policy ${file}: too large to keep on the watch list entry of ${key} (${size} bytes as DynamoDB counts, ` +
          `over ${MAX_ITEM_BYTES}); nothing was added: give it to check as --policy, or trim its CA files`,
      );
    }
    documents.set(key, document);
  }
  return documents;
}
