/**
 * Bad inputs found from outside after issue #26's own rows (bad-input-cases.ts), run by the same table
 * in test/cli/bad-input-process.test.ts: each hung, read without a bound, created a store, or took a value it
 * should have refused.
 */
import { join } from 'node:path';
import type { BadInputCase } from './bad-input-cases';

const UNREACHABLE = ['smtp://127.0.0.1:9', '--timeout', '1000'];

/** An import line whose one attribute nests `depth` lists. */
const nested = (depth: number) => `{"pk":"X#1","sk":"Y","v":${'['.repeat(depth)}1${']'.repeat(depth)}}\n`;

export const EDGE_CASES: BadInputCase[] = [
  {
    // Node's recursive mkdirSync loops for ever on ENOENT under a parent that exists.
    name: 'a store under /proc (mkdir answers ENOENT under an existing parent) is refused, not waited on',
    run: () => ({ argv: ['targets', 'add', 'smtp://a.example', '--store', '/proc/certwatch-store'] }),
    code: 2,
    stderr: /cannot use the store \/proc\/certwatch-store: it cannot be created: no such file or directory \(ENOENT\)/,
  },
  {
    name: 'a FIFO in the lock file’s place is a stale lock, not a read that never returns',
    run: (f) => {
      const store = f.copyOf('base');
      return { sh: `mkfifo ${store}/certwatch.lock && $CW history --store ${store}`, store };
    },
    code: 0,
    stderr: null,
    stdout: /mx\.bad-input\.example:\d+ +active +leaf/,
    writes: true,
    unlocked: true,
  },
  {
    name: 'CERTWATCH_CT_LOGS=/dev/zero is refused before the store is opened',
    run: (f) => {
      const store = f.copyOf('base');
      return { argv: ['check', ...UNREACHABLE, '--store', store], env: { CERTWATCH_CT_LOGS: '/dev/zero' }, store };
    },
    code: 2,
    stderr: /the CT log list \/dev\/zero: is a device or socket, not a file or a pipe/,
  },
  {
    name: 'a CT log list from a pipe that never ends stops at its cap',
    run: (f) => {
      const store = f.copyOf('base');
      return { sh: `$CW check ${f.target} ${f.probe.join(' ')} --ct-logs <(cat /dev/zero) --store ${store}`, store };
    },
    code: 1,
    stderr: /ct: cannot read the CT log list \/dev\/fd\/\d+: larger than 4194304 bytes/,
    writes: true,
  },
  {
    name: '--ct-log-list-key /dev/zero is refused',
    run: (f) => {
      const store = f.copyOf('base');
      const argv = ['check', ...UNREACHABLE, '--ct-logs', 'https://127.0.0.1:9/list.json'];
      return { argv: [...argv, '--ct-log-list-key', '/dev/zero', '--store', store], store };
    },
    code: 2,
    stderr: /--ct-log-list-key \/dev\/zero: is a device or socket, not a file or a pipe/,
  },
  {
    name: 'import: lists nested 33 deep (DynamoDB takes 32) write nothing',
    run: (f) => {
      const store = join(f.work, 'never-nested');
      return { argv: ['import', f.file('nested.jsonl', nested(33)), '--store', store], store };
    },
    code: 2,
    stderr: /nested\.jsonl: line 1: item X#1 \/ Y: "v" nests lists or maps over the 32 levels DynamoDB takes/,
    creates: 'nothing',
  },
  {
    name: 'import: lists nested 100,000 deep are refused by the rule, not by a stack overflow',
    run: (f) => {
      const store = join(f.work, 'never-deep');
      return { argv: ['import', f.file('deep.jsonl', nested(100_000)), '--store', store], store };
    },
    code: 2,
    stderr: /deep\.jsonl: line 1: item X#1 \/ Y: "v" nests lists or maps over the 32 levels/,
    creates: 'nothing',
  },
  {
    name: 'repair --dry-run with no store creates nothing',
    run: (f) => {
      const store = join(f.work, 'no-repair');
      return { argv: ['repair', '--dry-run', '--store', store], store };
    },
    code: 0,
    stderr: /no store at .*no-repair: nothing to repair/,
    creates: 'nothing',
  },
  {
    name: 'repair --dry-run reads a store this user may not write',
    run: (f) => {
      const store = f.readOnlyCopyOf('base');
      return { argv: ['repair', '--dry-run', '--store', store], uid: f.unprivileged, store };
    },
    code: 0,
    stderr: /^certwatch: no bad item in /,
  },
  {
    name: 'targets remove with no store creates nothing',
    run: (f) => {
      const store = join(f.work, 'no-remove');
      return { argv: ['targets', 'remove', 'smtp://a.example', '--store', store], store };
    },
    code: 2,
    stderr: /not on the watch list of .*no-remove: there is no store there yet/,
    creates: 'nothing',
  },
  {
    name: 'CERTWATCH_EXPIRY_DAYS=0x10 is not taken for 16 days',
    run: (f) => ({ argv: ['history', '--store', f.copyOf('base')], env: { CERTWATCH_EXPIRY_DAYS: '21,0x10' } }),
    code: 2,
    stderr: /CERTWATCH_EXPIRY_DAYS="21,0x10" is not a number of days|"0x10" is not a number of days/,
  },
];
