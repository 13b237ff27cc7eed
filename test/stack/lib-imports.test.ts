/**
 * The layout rule of lib/: the stack imports no runtime code. Its only ways into lambdas/ are the
 * logic-light settings table (lambdas/settings/) and the handler contract (lambdas/contract/), plus
 * type-only imports; `cdk synth` therefore never loads the handler, its adapters or the AWS SDK. The CDK
 * app itself (bin/app.ts) reads context `policy` at synth, but never through the CLI's code.
 * Read from the source files (static imports), not from a running synth.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Where lib/ may import from lambdas/ (value imports). */
const LIB_MAY_IMPORT = [/^lambdas\/settings\//, /^lambdas\/contract\//];
/** Runtime areas nothing loaded by synth may reach. */
const RUNTIME_AREAS = /^lambdas\/(watch|probe|store|notify|cli|aws|timeline)\//;
/**
 * Packages synth may load. node:fs, node:os and node:crypto: the stack reads context `targetsFile` and
 * stages the target list in a file for the bundling hook (a list of thousands exceeds one command line).
 */
const PACKAGES = /^(aws-cdk-lib(\/.*)?|constructs|cdk-nag|node:(path|net|url|fs|os|crypto))$/;

interface Import {
  from: string;
  specifier: string;
  typeOnly: boolean;
}

/** Static imports and re-exports of a file (`import type` and `export type` are type-only). */
function importsOf(file: string): Import[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const found: Import[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) {
    found.push({ from: file, specifier: match[3], typeOnly: match[2] !== undefined });
  }
  return found;
}

function resolveRelative(from: string, specifier: string): string {
  const base = join(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(join(ROOT, candidate))) return relative(ROOT, join(ROOT, candidate));
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

/** Every file and package reached by value imports from `entries` (default: every file of lib/). */
function walkFrom(entries?: string[]): { files: Set<string>; packages: Map<string, string>; direct: Import[] } {
  const starts =
    entries ??
    readdirSync(join(ROOT, 'lib'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `lib/${f}`);
  const files = new Set<string>(starts);
  const packages = new Map<string, string>();
  const direct: Import[] = [];
  const queue = [...starts];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const imp of importsOf(file)) {
      if (imp.typeOnly) continue;
      if (!imp.specifier.startsWith('.')) {
        packages.set(imp.specifier, file);
        continue;
      }
      const target = resolveRelative(file, imp.specifier);
      if (file.startsWith('lib/') && target.startsWith('lambdas/')) direct.push({ ...imp, specifier: target });
      if (!files.has(target)) {
        files.add(target);
        queue.push(target);
      }
    }
  }
  return { files, packages, direct };
}

test('lib/ imports from lambdas/ only the settings table and the handler contract', () => {
  // Act
  const { direct } = walkFrom();

  // Assess
  expect(direct.length).toBeGreaterThan(0);
  const outside = direct.filter((imp) => !LIB_MAY_IMPORT.some((allowed) => allowed.test(imp.specifier)));
  expect(outside.map((imp) => `${imp.from} → ${imp.specifier}`)).toEqual([]);
});

test('nothing synth loads reaches a runtime area or a runtime package', () => {
  // Act
  const { files, packages } = walkFrom();

  // Assess
  expect([...files].filter((file) => RUNTIME_AREAS.test(file))).toEqual([]);
  expect([...packages].filter(([name]) => !PACKAGES.test(name)).map(([name, from]) => `${from} → ${name}`)).toEqual([]);
  expect(files).toContain('lambdas/settings/table.ts');
});

test('the CDK app (bin/app.ts) reaches no CLI code: the stack reads its policy outside lambdas/cli', () => {
  // Act
  const { files } = walkFrom(['bin/app.ts']);

  // Assess
  expect(files).toContain('lambdas/policy-file/context-policy.ts');
  expect([...files].filter((file) => file.startsWith('lambdas/cli/'))).toEqual([]);
});

test('the walk sees a forbidden import (the rule can fail)', () => {
  // Prepare: the handler itself is what lib/ must not load.
  const handler = importsOf('lambdas/watch/handler.ts');

  // Assess
  const cli = importsOf('bin/certwatch.ts').map((imp) => resolveRelative('bin/certwatch.ts', imp.specifier));
  expect(cli).toContain('lambdas/cli/program.ts');
  // The handler loads the AWS SDK lazily (at its first request): a runtime area and a runtime package it imports statically.
  expect(
    handler.some(
      (imp) =>
        !imp.typeOnly &&
        imp.specifier.startsWith('.') &&
        RUNTIME_AREAS.test(resolveRelative('lambdas/watch/handler.ts', imp.specifier)),
    ),
  ).toBe(true);
  expect(handler.some((imp) => !PACKAGES.test(imp.specifier) && !imp.specifier.startsWith('.'))).toBe(true);
});
