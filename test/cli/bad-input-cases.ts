/**
 * The bad inputs of issue #26, one row each, as a new user types them: what to run through the built
 * CLI and what must come back (exit code, the one stderr line, the store left as it was). The fixtures
 * they run against are built once by test/cli/bad-input-process.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockRecordFor } from '../../lambdas/store/dir-lock';

/** What the rows run against. */
export interface Fixture {
  work: string;
  /** The loopback SMTP server's target, `--resolve` pin and root. */
  target: string;
  probe: string[];
  caFile: string;
  /** A fresh copy of a prepared store: `base` (one cycle), `bad` (plus a bad item of `badTarget`),
   * `failing` (cycles with no certificate), `big` (4,000 items). */
  copyOf(store: 'base' | 'bad' | 'failing' | 'big'): string;
  /** A file in the work directory. */
  file(name: string, content: string | Buffer): string;
  /** Every item of the base store, as exported, and its leaf's CERT item. */
  baseItems: Record<string, unknown>[];
  certLine: Record<string, unknown>;
  /** Like copyOf, but nobody may write the copy (and the row runs as `unprivileged` when root). */
  readOnlyCopyOf(store: 'base'): string;
  /** A directory nobody may write in. */
  readOnlyDir: string;
  badTarget: string;
  /** Runs as this user when root (who ignores permissions), so that read-only means read-only. */
  unprivileged: number | undefined;
}

/** One row: the command (argv, or a bash script where `$CW` is certwatch) and its expected outcome. */
export interface BadInputCase {
  name: string;
  run: (f: Fixture) => {
    argv?: string[];
    sh?: string;
    env?: NodeJS.ProcessEnv;
    uid?: number;
    /** The store whose files must be left byte for byte as they were (or must not come to exist). */
    store?: string;
    cwd?: string;
  };
  code: number;
  /** The one stderr line, or null for none. */
  stderr: RegExp | null;
  stdout?: RegExp;
  /** The store must not exist afterwards (nothing created). */
  creates?: 'nothing';
  /** The store's files may change (a command that writes on purpose, e.g. check watching the others). */
  writes?: true;
  /** The store's lock file must be gone afterwards. */
  unlocked?: true;
}

const UNREACHABLE = ['smtp://127.0.0.1:9', '--timeout', '1000'];

/** The ten settings the issue found silently ignored, and the neighbours checked the same way. */
const BAD_ENV: Array<[string, string, RegExp]> = [
  ['CERTWATCH_PROBE_TIMEOUT_MS', '-5', /CERTWATCH_PROBE_TIMEOUT_MS="-5": must be a whole number from 100/],
  ['CERTWATCH_CONCURRENCY', '1e9', /CERTWATCH_CONCURRENCY="1e9": must be a whole number/],
  ['CERTWATCH_KEY_TYPES', 'dsa', /CERTWATCH_KEY_TYPES="dsa" is not one of rsa, ecdsa/],
  ['CERTWATCH_TRUST', 'mozilla', /CERTWATCH_TRUST="mozilla": must be "node"/],
  ['CERTWATCH_ADDRESS_FAMILIES', '5', /CERTWATCH_ADDRESS_FAMILIES="5" is not 4 or 6/],
  ['CERTWATCH_RESOLVE', 'a:b', /CERTWATCH_RESOLVE="a:b": expected host:port:addr/],
  ['CERTWATCH_EHLO_NAME', 'x\r\nMAIL FROM:<a@b>', /CERTWATCH_EHLO_NAME="x\\r\\nMAIL FROM:<a@b>": expected a domain/],
  ['CERTWATCH_POSTURE_REQUIRE', 'bogus', /CERTWATCH_POSTURE_REQUIRE="bogus": unknown rule "bogus"/],
  // A newline inside a value is shown escaped: the message stays one line.
  [
    'CERTWATCH_DNS',
    '127.0.0.1\n::1',
    /CERTWATCH_DNS="127\.0\.0\.1\\n::1": DNS server "127\.0\.0\.1\\n::1" is not ADDR/,
  ],
  ['CERTWATCH_POSTURE_REQUIRE', 'no-rc4\nno-cbc', /unknown rule "no-rc4\\nno-cbc"/],
];

/** Variables only the Lambda reads: named on one line, and the command still runs. */
const LAMBDA_ENV: Array<[string, string]> = [
  ['CERTWATCH_HEARTBEAT', 'daily'],
  ['CERTWATCH_TOPIC_ARN', 'garbage'],
];

export const BAD_INPUT_CASES: BadInputCase[] = [
  // import: every line checked before anything is written, the line and field named
  {
    name: 'import: a 450 KB item on line 4 writes nothing',
    run: (f) => {
      const lines = [
        ...f.baseItems.filter((item) => item.sk !== f.certLine.sk).slice(0, 3),
        { ...f.certLine, pad: 'x'.repeat(450_000) },
      ];
      const file = f.file('big-item.jsonl', `${lines.map((item) => JSON.stringify(item)).join('\n')}\n`);
      const store = join(f.work, 'never-big');
      return { argv: ['import', file, '--store', store], store };
    },
    code: 2,
    stderr:
      /big-item\.jsonl: line 4: item TARGET#.* \/ CERT#.*: \d+ bytes as DynamoDB counts them, over the 409600 .*nothing was imported/,
    creates: 'nothing',
  },
  {
    name: 'import --merge: "firstSeen": 12345 is refused naming the field',
    run: (f) => {
      const file = f.file(
        'first-seen.jsonl',
        `${JSON.stringify({ ...f.certLine, sk: `CERT#${'ab'.repeat(32)}`, sha256: 'ab'.repeat(32), gsi1pk: `FP#${'ab'.repeat(32)}`, firstSeen: 12345 })}\n`,
      );
      const store = f.copyOf('base');
      return { argv: ['import', file, '--merge', '--store', store], store };
    },
    code: 2,
    stderr: /first-seen\.jsonl: line 1: item .*: "firstSeen" is 12345, not an ISO 8601 time; nothing was imported/,
  },
  {
    name: 'import: a line with "pk" twice (JSON keeps the last: a phantom target)',
    run: (f) => {
      const text = JSON.stringify(f.certLine).replace('{"pk":', '{"pk":"TARGET#smtp://phantom.example:25","pk":');
      const store = f.copyOf('base');
      return { argv: ['import', f.file('twice.jsonl', `${text}\n`), '--merge', '--store', store], store };
    },
    code: 2,
    stderr: /twice\.jsonl: line 1: "pk" is given twice in one object/,
  },
  {
    name: 'import: a 600 MB pipe stops at its first line, not after reading it whole',
    run: (f) => {
      const store = join(f.work, 'never-pipe');
      return { sh: `head -c 600000000 /dev/zero | $CW import --store ${store}; exit \${PIPESTATUS[1]}`, store };
    },
    code: 2,
    stderr: /stdin: line 1: longer than 1048576 bytes/,
    creates: 'nothing',
  },
  // what DynamoDB itself would refuse at the write is refused before anything is written
  ...(
    [
      ['an integer beyond 2^53', { cycles: 1e40 }, /"cycles" is 1e\+40, an integer beyond 2\^53/],
      [
        'a number below 1e-130',
        { cadence: 1.5e-200 },
        /"cadence" is 1\.5e-200, smaller than the 1e-130 DynamoDB can store/,
      ],
      [
        'an index key that is a number',
        { gsi1pk: 5, gsi1sk: 'x' },
        /"gsi1pk" is 5: a key attribute must be a non-empty string/,
      ],
      ['a sort key over 1024 bytes', { sk: `STATE${'y'.repeat(1500)}` }, /"sk" is 1505 bytes long, over the 1024/],
      ['an empty attribute name', { '': 1 }, /an attribute name of 0 bytes \(DynamoDB takes 1 to 65535\)/],
    ] as const
  ).map(
    ([what, change, stderr]): BadInputCase => ({
      name: `import: ${what} on line 4 writes nothing`,
      run: (f) => {
        const url = 'smtp://new.example:25';
        const state = f.baseItems.find((item) => item.sk === 'STATE') as Record<string, unknown>;
        const lines = [...f.baseItems.slice(0, 3), { ...state, pk: `TARGET#${url}`, target: url, ...change }];
        const file = f.file(
          `dynamo-${what.replace(/\W+/g, '-')}.jsonl`,
          lines.map((i) => JSON.stringify(i)).join('\n'),
        );
        const store = join(f.work, `never-${what.replace(/\W+/g, '-')}`);
        return { argv: ['import', file, '--store', store], store };
      },
      code: 2,
      stderr: new RegExp(
        `line 4: item TARGET#smtp://new\\.example:25 / STATE.*: ${stderr.source}.*; nothing was imported`,
      ),
      creates: 'nothing',
    }),
  ),
  {
    name: "import: a refused line's control characters are shown escaped, on one line",
    run: (f) => {
      const store = f.copyOf('base');
      return {
        argv: ['import', f.file('escapes.jsonl', '\u001b[31mred\u0000\r\n'), '--merge', '--store', store],
        store,
      };
    },
    code: 2,
    stderr: /^certwatch: .*escapes\.jsonl: line 1: not JSON \(.*\\u001b\[31mred\\u0000.*nothing was imported\n$/,
  },
  // readers meeting a bad item: which item, the command that sets it aside, the rest still served
  {
    name: 'history on a store holding a bad item shows the rest and names the item and certwatch repair',
    run: (f) => {
      const store = f.copyOf('bad');
      return { argv: ['history', '--store', store], store };
    },
    code: 1,
    stdout: /smtp:\/\/mx\.bad-input\.example:\d+ +active +leaf/,
    stderr:
      /item TARGET#smtp:\/\/127\.0\.0\.1:1 \/ CERT#abab.*"firstSeen" is 12345, not an ISO 8601 time; left out: certwatch repair --store \S+ sets it aside/,
  },
  {
    name: 'pins on a store holding a bad item',
    run: (f) => {
      const store = f.copyOf('bad');
      return { argv: ['pins', '--store', store, '--format', 'hex'], store };
    },
    code: 1,
    stdout: /^[0-9a-f]{64} ecdsa certificate/m,
    stderr: /"firstSeen" is 12345.*certwatch repair/,
  },
  {
    name: 'check with a bad item of one target still watches the other',
    run: (f) => {
      const store = f.copyOf('bad');
      return { argv: ['check', f.target, f.badTarget, ...f.probe, '--store', store], store };
    },
    code: 1,
    stdout: /smtp:\/\/mx\.bad-input\.example:\d+ +127\.0\.0\.1 +ecdsa +[0-9a-f]{16} .*trusted/,
    stderr:
      /smtp:\/\/127\.0\.0\.1:1 left out of this cycle: item TARGET#smtp:\/\/127\.0\.0\.1:1 \/ CERT#.*certwatch repair --store/,
    writes: true,
  },
  // one bounded reader: the cap holds while reading, for devices and pipes too
  {
    name: '--ca /dev/zero',
    run: () => ({ argv: ['probe', ...UNREACHABLE, '--ca', '/dev/zero'] }),
    code: 2,
    stderr: /--ca \/dev\/zero: is a device or socket, not a file or a pipe/,
  },
  {
    name: '--ca from a pipe that never ends',
    run: () => ({ sh: `$CW probe ${UNREACHABLE.join(' ')} --ca <(cat /dev/zero)` }),
    code: 2,
    stderr: /--ca \/dev\/fd\/\d+: larger than 4194304 bytes/,
  },
  {
    name: '--policy /dev/zero',
    run: () => ({ argv: ['probe', ...UNREACHABLE, '--policy', '/dev/zero'] }),
    code: 2,
    stderr: /--policy \/dev\/zero: is a device or socket/,
  },
  {
    name: "a policy's ca: /dev/zero",
    run: (f) => ({
      argv: [
        'probe',
        ...UNREACHABLE,
        '--policy',
        f.file('zero-ca.yaml', 'policies:\n  - targets: ["*"]\n    ca: /dev/zero\n'),
      ],
    }),
    code: 2,
    stderr: /ca "\/dev\/zero": cannot read \(is a device or socket, not a file or a pipe\)/,
  },
  {
    name: 'inspect from a 600 MB pipe stops at the cap',
    run: () => ({ sh: `head -c 600000000 /dev/zero | $CW inspect -; exit \${PIPESTATUS[1]}` }),
    code: 2,
    stderr: /stdin: larger than 4194304 bytes/,
  },
  // output errors: one line, the right code, the lock released
  {
    name: 'export > /dev/full',
    run: (f) => {
      const store = f.copyOf('base');
      return { sh: `$CW export --store ${store} > /dev/full`, store };
    },
    code: 1,
    stderr: /^certwatch: cannot write the output \(ENOSPC: no space left on the device\)\n$/,
    unlocked: true,
  },
  {
    name: 'history > /dev/full (its table is its last write)',
    run: (f) => {
      const store = f.copyOf('base');
      return { sh: `$CW history --store ${store} > /dev/full`, store };
    },
    code: 1,
    stderr: /^certwatch: cannot write the output \(ENOSPC: no space left on the device\)\n$/,
    unlocked: true,
  },
  {
    name: 'targets list --json > /dev/full',
    run: (f) => {
      const store = f.copyOf('base');
      return { sh: `$CW targets list --json --store ${store} > /dev/full`, store };
    },
    code: 1,
    stderr: /^certwatch: cannot write the output \(ENOSPC/,
    // The store's first `targets` use sets its list up (docs/cli.md "targets").
    writes: true,
    unlocked: true,
  },
  {
    name: 'export | head -1 is a quiet success',
    run: (f) => {
      const store = f.copyOf('big');
      return { sh: `$CW export --store ${store} | head -1 >/dev/null; exit \${PIPESTATUS[0]}`, store };
    },
    code: 0,
    stderr: null,
    unlocked: true,
  },
  // store paths
  {
    name: "--store ''",
    run: (f) => ({ argv: ['check', f.target, ...f.probe, '--store', ''], cwd: f.work }),
    code: 2,
    stderr: /--store is empty: give a directory, or leave it out for \.certwatch/,
  },
  {
    name: '--store through a file (ENOTDIR)',
    run: (f) => ({ argv: ['check', f.target, ...f.probe, '--store', join(f.file('plain', 'x'), 'store')] }),
    code: 2,
    stderr: /cannot use the store .*plain\/store: a part of the path is a file, not a directory \(ENOTDIR\)/,
  },
  {
    name: '--store too long (ENAMETOOLONG)',
    run: (f) => ({ argv: ['check', f.target, ...f.probe, '--store', join(f.work, 'a'.repeat(300))] }),
    code: 2,
    stderr: /cannot use the store .*…a+ \(\d+ characters\): the path is too long \(ENAMETOOLONG\)/,
  },
  {
    name: '--store where this user may not write (EACCES)',
    run: (f) => ({
      argv: ['check', f.target, ...f.probe, '--store', join(f.readOnlyDir, 'store')],
      uid: f.unprivileged,
    }),
    code: 2,
    stderr: /cannot use the store .*: it cannot be created: permission denied \(EACCES\)/,
  },
  {
    name: 'history reads a store this user may not write',
    run: (f) => {
      const store = f.readOnlyCopyOf('base');
      return { argv: ['history', '--store', store], uid: f.unprivileged, store };
    },
    code: 0,
    stdout: /mx\.bad-input\.example:\d+ +active +leaf/,
    stderr: null,
  },
  {
    name: 'export reads a store this user may not write',
    run: (f) => {
      const store = f.readOnlyCopyOf('base');
      return { argv: ['export', '--store', store], uid: f.unprivileged, store };
    },
    code: 0,
    stdout: /"sk":"STATE"/,
    stderr: /^certwatch: exported \d+ item\(s\) from /,
  },
  {
    name: 'check on a store this user may not write',
    run: (f) => {
      const store = f.readOnlyCopyOf('base');
      return { argv: ['check', f.target, ...f.probe, '--store', store], uid: f.unprivileged, store };
    },
    code: 2,
    stderr: /the store .* is read-only: permission denied \(EACCES\): this command writes to the store/,
  },
  {
    name: 'a lock naming pid 1 (alive, but no certwatch) is stale',
    run: (f) => {
      const store = f.copyOf('base');
      writeFileSync(join(store, 'certwatch.lock'), '1');
      return { argv: ['history', '--store', store] };
    },
    code: 0,
    stdout: /active +leaf/,
    stderr: null,
  },
  {
    name: 'a live lock is named, with its file',
    run: (f) => {
      const store = f.copyOf('base');
      // The lock as a running certwatch writes it, naming a live process (this one).
      writeFileSync(join(store, 'certwatch.lock'), JSON.stringify(lockRecordFor(process.pid)));
      return { argv: ['check', f.target, ...f.probe, '--store', store], store };
    },
    code: 2,
    stderr: /in use by another certwatch process \(pid \d+.*if no certwatch runs, remove .*certwatch\.lock/,
  },
  // settings: validated like their flags, or named when only the Lambda reads them
  ...BAD_ENV.map(
    ([name, value, stderr]): BadInputCase => ({
      name: `${name}=${JSON.stringify(value)}`,
      run: () => ({ argv: ['probe', ...UNREACHABLE], env: { [name]: value } }),
      code: 2,
      stderr,
    }),
  ),
  ...LAMBDA_ENV.map(
    ([name, value]): BadInputCase => ({
      name: `${name}=${value} (the Lambda's)`,
      run: (f) => ({ argv: ['targets', 'list', '--store', join(f.work, `nothing-${name}`)], env: { [name]: value } }),
      code: 0,
      stdout: /^No target is watched in /,
      stderr: new RegExp(`^certwatch: ignored by the CLI: ${name} \\(read by the Lambda function only`),
    }),
  ),
  // misleading messages
  {
    name: 'probe mx:example.com',
    run: () => ({ argv: ['probe', 'mx:example.com'] }),
    code: 2,
    stderr: /"mx:example\.com": an MX target names a domain's mail hosts, which only check and the watch list look up/,
  },
  {
    name: 'history 25e09e0 (7 hex digits)',
    run: (f) => ({ argv: ['history', '25e09e0', '--store', f.copyOf('base')] }),
    code: 2,
    stderr:
      /"25e09e0": a query of hex digits is a SHA-256 fingerprint, .* 8 or more digits \(this has 7\); for a host write smtp:\/\/25e09e0/,
  },
  {
    name: 'history by a colon-separated prefix, as deploy.md shows it',
    run: (f) => ({
      argv: [
        'history',
        String(f.certLine.sha256)
          .slice(0, 8)
          .toUpperCase()
          .replace(/(..)(?!$)/g, '$1:'),
        '--store',
        f.copyOf('base'),
      ],
    }),
    code: 0,
    stdout: /active +leaf/,
    stderr: null,
  },
  {
    name: 'targets add --policy too large to keep adds nothing',
    run: (f) => {
      const pins = Array.from({ length: 7000 }, (_, i) => i.toString(16).padStart(64, '0'));
      const policy = f.file('huge-policy.json', JSON.stringify({ policies: [{ targets: ['*'], pins }] }));
      const store = f.copyOf('base');
      return { argv: ['targets', 'add', 'smtp://new.example', '--policy', policy, '--store', store], store };
    },
    code: 2,
    stderr:
      /--policy .*huge-policy\.json: too large to keep on the watch list entry of smtp:\/\/new\.example:25 .*nothing was added/,
  },
  {
    name: 'targets list with no store creates nothing',
    run: (f) => {
      const store = join(f.work, 'no-list');
      return { argv: ['targets', 'list', '--store', store], store };
    },
    code: 0,
    stdout: /^No target is watched in .*no-list yet: there is no store there/,
    stderr: null,
    creates: 'nothing',
  },
  {
    name: 'pins with no store',
    run: (f) => {
      const store = join(f.work, 'no-pins');
      return { argv: ['pins', '--store', store], store };
    },
    code: 2,
    stderr: /no store at .*no-pins: nothing recorded yet/,
    creates: 'nothing',
  },
  {
    name: 'timeline on a store with no certificate',
    run: (f) => {
      const store = f.copyOf('failing');
      return { argv: ['timeline', '--store', store, '--out', join(f.work, 'never.svg')], store };
    },
    code: 1,
    stderr: /no certificate recorded \(every probe failed so far\) in .*: run certwatch check first/,
  },
];
