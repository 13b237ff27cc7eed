/**
 * The floor plan's rules, checked on the source: core is pure (no file under lambdas/core imports a
 * module that does I/O — files, sockets, TLS, DNS, processes, HTTP — or anything outside core itself:
 * the adapters probe/store/notify/watch/cli and the edge areas trust/timeline/aws); core's files import
 * each other without a circle, and detection (core/detect) uses the consumer policy (core/policy), never
 * the other way round; the demo stands on its own (nothing under demo/ imports the test suite).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ipVersion } from '../../lambdas/core/ip';

const ROOT = resolve(__dirname, '..', '..');
const LAMBDAS = join(ROOT, 'lambdas');
const CORE = join(LAMBDAS, 'core');

/** Node modules that do I/O; `node:` prefixed or bare, with or without a sub-path (`fs/promises`). */
const IO_MODULES = ['fs', 'net', 'tls', 'dns', 'child_process', 'http', 'https', 'http2', 'dgram'];

/** Every module specifier a TypeScript source names: import/export … from, bare import, require(), import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** Why `specifier`, imported by `file`, breaks the rule; null when it does not. */
function violation(file: string, specifier: string): string | null {
  const bare = specifier.replace(/^node:/, '').split('/')[0];
  if (IO_MODULES.includes(bare)) return `imports ${specifier} (I/O)`;
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    if (target !== CORE && !target.startsWith(CORE + sep)) {
      return `imports ${specifier} (${relative(LAMBDAS, target).split(sep)[0]}/, outside core)`;
    }
  }
  return null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function violations(file: string, source: string): string[] {
  return specifiers(source)
    .map((s) => violation(file, s))
    .filter((v): v is string => v !== null)
    .map((v) => `${relative(LAMBDAS, file)} ${v}`);
}

test('no file under lambdas/core imports an I/O module or an area outside core', () => {
  // Prepare
  const files = sourceFiles(CORE);

  // Act
  const found = files.flatMap((file) => violations(file, readFileSync(file, 'utf8')));

  // Assess
  expect(files.length).toBeGreaterThan(30);
  expect(found).toEqual([]);
});

/** The files under lambdas/core each core file imports (type-only imports too: they tie files as firmly). */
function coreGraph(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const resolveSource = (from: string, specifier: string) => {
    const target = resolve(dirname(from), specifier.replace(/\.js$/, ''));
    return [`${target}.ts`, join(target, 'index.ts')].find((candidate) => known.has(candidate));
  };
  return new Map(
    files.map((file) => [
      file,
      [
        ...new Set(
          specifiers(read(file))
            .filter((s) => s.startsWith('.'))
            .flatMap((s) => resolveSource(file, s) ?? []),
        ),
      ],
    ]),
  );
}

/** The import circles of a graph: its strongly connected components of more than one file, or a file importing itself. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('no import circle between files under lambdas/core', () => {
  // Prepare
  const files = sourceFiles(CORE);

  // Act
  const found = circles(coreGraph(files, (f) => readFileSync(f, 'utf8'))).map((c) =>
    c.map((f) => relative(CORE, f)).join(' -> '),
  );

  // Assess
  expect(found).toEqual([]);
});

/** The areas under `root` (its first-level folders) each area imports, from a file graph of those files. */
function areaGraph(root: string, files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const area = (file: string) => relative(root, file).split(sep)[0];
  const graph = new Map<string, Set<string>>();
  for (const [file, targets] of coreGraph(files, read)) {
    const edges = graph.get(area(file)) ?? new Set<string>();
    for (const target of targets) if (area(target) !== area(file)) edges.add(area(target));
    graph.set(area(file), edges);
  }
  return new Map([...graph].map(([a, edges]) => [a, [...edges]]));
}

test('no import circle between the areas under lambdas/ (adapters meet through core, run and settings)', () => {
  // Prepare
  const files = sourceFiles(LAMBDAS);

  // Act
  const found = circles(areaGraph(LAMBDAS, files, (f) => readFileSync(f, 'utf8')));

  // Assess
  expect(found).toEqual([]);
});

test('the area check sees two areas importing each other through any of their files', () => {
  // Prepare
  const root = join(LAMBDAS, 'example');
  const sources: Record<string, string> = {
    [join(root, 'ct', 'handler.ts')]: "import type { Config } from '../watch/config';",
    [join(root, 'watch', 'config.ts')]: "import { core } from '../core/x';",
    [join(root, 'watch', 'handler.ts')]: "import { link } from '../ct/link';",
    [join(root, 'ct', 'link.ts')]: "import { core } from '../core/x';",
    [join(root, 'core', 'x.ts')]: 'export const core = 1;',
  };

  // Act
  const found = circles(areaGraph(root, Object.keys(sources), (f) => sources[f]));

  // Assess
  expect(found).toEqual([['ct', 'watch']]);
});

test('core/policy never imports core/detect (detection uses the policy, not the other way round)', () => {
  // Prepare
  const files = sourceFiles(CORE);
  const graph = coreGraph(files, (f) => readFileSync(f, 'utf8'));
  const area = (file: string) => relative(CORE, file).split(sep)[0];

  // Act
  const backEdges = [...graph].flatMap(([file, targets]) =>
    area(file) === 'policy'
      ? targets.filter((t) => area(t) === 'detect').map((t) => `${relative(CORE, file)} -> ${relative(CORE, t)}`)
      : [],
  );

  // Assess
  expect(existsSync(join(CORE, 'detect', 'policy.ts'))).toBe(true);
  expect(backEdges).toEqual([]);
});

test('the circle check sees a circle through a type-only import, an index module and a self-import', () => {
  // Prepare
  const dir = join(CORE, 'example');
  const sources: Record<string, string> = {
    [join(dir, 'a.ts')]: "import type { B } from './b';",
    [join(dir, 'b.ts')]: "import { c } from './c/index.js';",
    [join(dir, 'c', 'index.ts')]: "export { a } from '../a';",
    [join(dir, 'd.ts')]: "import { a } from './a';\nimport { d } from './d';",
    [join(dir, 'e.ts')]: "import { readFileSync } from 'node:fs';",
  };

  // Act
  const found = circles(coreGraph(Object.keys(sources), (f) => sources[f])).map((c) => c.map((f) => relative(dir, f)));

  // Assess
  expect(found).toEqual([['a.ts', 'b.ts', join('c', 'index.ts')], ['d.ts']]);
});

test('nothing under demo/ imports the test suite (the demo has its own fixtures in demo/support)', () => {
  // Prepare
  const demo = join(ROOT, 'demo');
  const tests = join(ROOT, 'test');

  // Act
  const found = sourceFiles(demo).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.') && resolve(dirname(file), s).startsWith(tests + sep))
      .map((s) => `${relative(ROOT, file)} imports ${s}`),
  );

  // Assess
  expect(found).toEqual([]);
});

test('the check sees each way a core file could reach I/O or an adapter', () => {
  // Prepare
  const file = join(CORE, 'x509', 'example.ts');
  const source = [
    "import { readFileSync } from 'node:fs';",
    "import * as tls from 'tls';",
    "import type { Resolver } from 'node:dns/promises';",
    "export { connect } from 'node:net';",
    "import '../../probe/prober';",
    "const store = require('../../store/open-store');",
    "const cli = await import('../../cli/program');",
    "import { trustStoreNamed } from '../../trust/trust-stores';",
    "import { spawn } from 'node:child_process';",
    "import { request } from 'node:https';",
    "import { createHash } from 'node:crypto';",
    "import { Certificate } from './certificate';",
    "import { CoreError } from '../errors';",
  ].join('\n');

  // Act
  const found = violations(file, source);

  // Assess
  expect(found).toEqual([
    'core/x509/example.ts imports node:fs (I/O)',
    'core/x509/example.ts imports tls (I/O)',
    'core/x509/example.ts imports node:dns/promises (I/O)',
    'core/x509/example.ts imports node:net (I/O)',
    'core/x509/example.ts imports ../../trust/trust-stores (trust/, outside core)',
    'core/x509/example.ts imports node:child_process (I/O)',
    'core/x509/example.ts imports node:https (I/O)',
    'core/x509/example.ts imports ../../probe/prober (probe/, outside core)',
    'core/x509/example.ts imports ../../store/open-store (store/, outside core)',
    'core/x509/example.ts imports ../../cli/program (cli/, outside core)',
  ]);
});

test('core recognises IP literals as node:net does, without importing it', () => {
  // Prepare
  const samples = [
    '127.0.0.1',
    '255.255.255.255',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3',
    '::',
    '::1',
    '[::1]',
    'fe80::1%eth0',
    '::ffff:192.0.2.1',
    '2001:db8::',
    '2001:db8:0:0:0:0:0:1',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    'gggg::',
    'mx.example.com',
    '',
  ];

  // Act
  const versions = samples.map((s) => ipVersion(s));

  // Assess
  expect(versions).toEqual(samples.map((s) => isIP(s)));
});
