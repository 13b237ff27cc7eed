// jest's globalSetup: builds dist/cli from the sources before any test runs, so that a test that runs the
// built CLI (the package bin) never runs a stale build, however jest was started.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = function buildCliBeforeTests() {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
};
