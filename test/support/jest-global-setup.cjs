// jest's globalSetup: builds dist/cli from the sources before any test runs, so that a test that runs the
// built CLI (the package bin) never runs a stale build, however jest was started; and puts AWS's DynamoDB
// Local under .ci/dynamodb-local unless it is there (the store contract runs on it). A failed fetch is
// not fatal here: the suites that start DynamoDB Local fail with its reason, the others run.
const { execFileSync, spawnSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = function beforeTests() {
  const scripts = join(__dirname, '..', '..', 'scripts');
  execFileSync(process.execPath, [join(scripts, 'build-cli.mjs')], { stdio: 'inherit' });
  spawnSync(process.execPath, [join(scripts, 'dynamodb-local.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
};
