// Preloaded with `node --require` by test/cli/startup.test.ts: records every module file the process loads
// into the file named by CERTWATCH_MODULE_TRACE, one per line: ES modules (the built CLI's chunks) through a
// loader hook, CommonJS modules (the packages left in node_modules) from require.cache at exit, and Node's
// built-in modules as `node:NAME`.
const { appendFileSync } = require('node:fs');
const { register } = require('node:module');
const { pathToFileURL } = require('node:url');

const out = process.env.CERTWATCH_MODULE_TRACE;
if (!out) throw new Error('module-trace.cjs: set CERTWATCH_MODULE_TRACE to the file to write');
register('./module-trace-hooks.mjs', pathToFileURL(__filename), { data: { out } });
process.on('exit', () => {
  // Node's own modules (`node:net`, …) appear in neither: process.moduleLoadList names them.
  const builtins = process.moduleLoadList
    .filter((entry) => entry.startsWith('NativeModule ') && !entry.includes('internal/'))
    .map((entry) => `node:${entry.slice('NativeModule '.length)}`);
  appendFileSync(out, `${[...Object.keys(require.cache), ...builtins].join('\n')}\n`);
});
