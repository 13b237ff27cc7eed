#!/usr/bin/env node
/**
 * Builds the CLI users run (`npx certwatch`, package.json "bin") from the TypeScript sources into plain
 * JavaScript under dist/cli/. Runs on `npm ci`/`npm install` (the root package's `prepare`), before
 * `npm test`, and by hand as `npm run build`. Plain JavaScript on purpose: it must run before anything
 * else is built, without tsx.
 *
 * One ESM entry plus code-split chunks: each command's heavy dependencies (pkijs, the store, the AWS SDK)
 * sit behind an `import()` in lambdas/cli, so esbuild puts them in chunks that load only when that command
 * runs. dynalite, level and the AWS SDK stay in node_modules (LevelDB's native binding is found from its
 * package's own directory, and the SDK loads its credential providers on demand); everything else, pkijs included, is bundled.
 *
 * Usage: node scripts/build-cli.mjs [--outdir DIR] [--tag TAG]   (default dist/cli; DIR must be inside the
 * project so the external packages resolve from its node_modules; TAG, for tests, makes a build whose chunks
 * are named apart from another build of the same sources)
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages left to Node's resolution at run time instead of bundled. */
export const CLI_EXTERNAL = ['dynalite', 'level', 'classic-level', '@aws-sdk/*'];

/**
 * The chunks are ESM, but bundled CommonJS code (commander, our own modules' `__dirname`) expects
 * `require`, `__filename` and `__dirname`: each chunk defines them for itself. Every chunk sits directly
 * in the output directory, so `__dirname` is that directory and `data/` beside it (lambdas/trust/trust-stores.ts).
 */
const REQUIRE_BANNER =
  "import { createRequire as __cwCreateRequire } from 'node:module'; const require = __cwCreateRequire(import.meta.url);";
const PATH_BANNER = [
  "import { dirname as __cwDirname } from 'node:path';",
  "import { fileURLToPath as __cwFileURLToPath } from 'node:url';",
  'const __filename = __cwFileURLToPath(import.meta.url);',
  'const __dirname = __cwDirname(__filename);',
].join(' ');
const BANNER = `${REQUIRE_BANNER} ${PATH_BANNER}`;

/**
 * Keeps, of each chunk's banner line, only what its code uses: most chunks use none of `require`,
 * `__filename`, `__dirname`, and a banner costs every chunk a createRequire and a URL conversion at load
 * (`certwatch --help` loads two dozen chunks; its start is budgeted, docs/performance.md). The banner is
 * the first line of each file and stays a line (empty or shorter), so the source maps still match.
 * A word that only looks used (in a string) keeps its part: the trim errs on the side of the banner.
 */
function trimBanners(dir) {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.mjs')) continue;
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    if (!text.startsWith(`${BANNER}\n`)) continue;
    const code = text.slice(BANNER.length + 1);
    const parts = [
      ...(/\brequire\b/.test(code) ? [REQUIRE_BANNER] : []),
      ...(/\b__(dirname|filename)\b/.test(code) ? [PATH_BANNER] : []),
    ];
    writeFileSync(file, `${parts.join(' ')}\n${code}`);
  }
}

/**
 * commander requires node:child_process at load for executable subcommands (`git-style` separate
 * programs), which certwatch has none of; loading it (and node:net with it) is a third of what `--help`
 * would otherwise cost over a bare Node start. commander gets an object that loads it on first use.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      loader: 'js',
      contents:
        "let real; const load = () => (real ??= require('node:child_process'));\n" +
        'module.exports = { spawn: (...args) => load().spawn(...args) };\n',
    }));
  },
};

/** The files of the build in the output directory, kept there for the next build (see installBuild). */
const BUILD_FILES = 'build-files.json';

/** The entry: what `bin/certwatch.js` imports; the chunks it imports are named by a hash of their content. */
const ENTRY = /^certwatch\.mjs(\.map)?$/;

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir, prefix = '') {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) files.push(...filesUnder(join(dir, entry.name), `${prefix}${entry.name}/`));
    else files.push(`${prefix}${entry.name}`);
  }
  return files;
}

/**
 * Puts the finished build in `next` into `outdir` without taking the running build away: a CLI started
 * before imports its command's chunks only when it runs the command (each behind an `import()`), so the
 * chunks of the build it started with must stay. Its files go in beside the old ones, each by a rename
 * (never seen half written), the entry last; files of builds before the previous one are removed.
 */
function installBuild(next, outdir) {
  const files = filesUnder(next);
  let previous = [];
  if (existsSync(outdir)) {
    try {
      previous = JSON.parse(readFileSync(join(outdir, BUILD_FILES), 'utf8'));
    } catch {
      // A build from before this list: kept whole this once.
      previous = filesUnder(outdir);
    }
  }
  for (const file of [...files.filter((f) => !ENTRY.test(f)), ...files.filter((f) => ENTRY.test(f))]) {
    mkdirSync(dirname(join(outdir, file)), { recursive: true });
    renameSync(join(next, file), join(outdir, file));
  }
  const keep = new Set([...files, ...previous, BUILD_FILES]);
  for (const file of filesUnder(outdir)) if (!keep.has(file)) rmSync(join(outdir, file), { force: true });
  writeFileSync(join(next, BUILD_FILES), JSON.stringify(files));
  renameSync(join(next, BUILD_FILES), join(outdir, BUILD_FILES));
  rmSync(next, { recursive: true, force: true });
}

/**
 * Builds the CLI into `outdir` and returns esbuild's metafile (which input went into which chunk, also
 * written as `meta.json`). The build goes to a sibling directory first and then into `outdir` beside the
 * build there (installBuild): a CLI started meanwhile runs the old build or the new one, never half of
 * each — also one that was already running and loads its command's chunks later.
 */
export async function buildCli(outdir = join(ROOT, 'dist', 'cli'), options = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new Error(`esbuild is not installed (a devDependency): run npm ci without --omit=dev (${error.message})`);
  }
  // pkijs as the handler bundles it (scripts/shakeable-pki.mjs): the unused classes drop out, so the
  // chunk that probe and inspect load is smaller to read and compile.
  const shakeablePkijs = join('node_modules', '.cache', 'certwatch', 'pkijs-shakeable-cli.mjs');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'shakeable-pki.mjs'), join(ROOT, shakeablePkijs)], {
    stdio: 'inherit',
  });
  const next = `${outdir}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { certwatch: 'bin/certwatch.ts' },
    outdir: next,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: CLI_EXTERNAL,
    alias: { pkijs: `./${shakeablePkijs}` },
    minify: true,
    // Error classes are told apart by instanceof, but keep names for messages and debugging.
    keepNames: true,
    sourcemap: 'linked',
    banner: { js: BANNER },
    // A build that differs from one of the same sources (tests of installBuild).
    ...(options.tag ? { footer: { js: `// ${options.tag}` } } : {}),
    metafile: true,
    plugins: [lazyChildProcessForCommander],
    logLevel: 'warning',
  });
  trimBanners(next);
  mkdirSync(join(next, 'data'), { recursive: true });
  copyFileSync(
    join(ROOT, 'lambdas', 'core', 'x509', 'data', 'pki-goog-roots.pem'),
    join(next, 'data', 'pki-goog-roots.pem'),
  );
  // Output paths in the metafile name where the files end up.
  const json = JSON.stringify(result.metafile)
    .split(`"${relative(ROOT, next)}/`)
    .join(`"${relative(ROOT, outdir)}/`);
  writeFileSync(join(next, 'meta.json'), json);
  installBuild(next, outdir);
  return JSON.parse(json);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--outdir');
  const outdir = at > 0 ? resolve(process.argv[at + 1]) : undefined;
  const tagAt = process.argv.indexOf('--tag');
  buildCli(outdir, tagAt > 0 ? { tag: process.argv[tagAt + 1] } : {}).catch((error) => {
    console.error(`build-cli: ${error.message}`);
    process.exitCode = 1;
  });
}
