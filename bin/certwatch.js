#!/usr/bin/env node
// What `npx certwatch` runs: the compiled CLI in dist/cli/, built from the TypeScript sources (bin/certwatch.ts,
// lambdas/) by `npm ci` (the package's `prepare` script) and by `npm test`; `npm run build` rebuilds it and
// `npm run certwatch:dev` runs the sources through tsx instead. No freshness check here: it would cost start time.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'cli', 'certwatch.mjs');
import(entry).catch((error) => {
  if (!existsSync(entry)) {
    process.stderr.write('certwatch: the compiled CLI is missing (dist/cli/): run npm run build, or npm ci\n');
  } else {
    process.stderr.write(`certwatch: ${error?.message ?? error}\n`);
  }
  process.exitCode = 2;
});
