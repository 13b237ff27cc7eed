/**
 * One invocation of the synthesized bundle in a process of its own, as Lambda gives each invocation its
 * environment: npm lambda-local loads `index.js` with the function's environment and timeout (and a
 * context whose getRemainingTimeInMillis counts down from it). The job comes on standard input, the
 * outcome goes to a file (the handler's logs own standard output). Used by test/support/local-aws/local-run.ts.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const lambdaLocal = require('lambda-local');

const job = JSON.parse(readFileSync(0, 'utf8'));
const done = (outcome) => {
  writeFileSync(job.resultFile, JSON.stringify(outcome));
  // Lambda freezes the environment when the invocation ends; whatever is still pending is dropped here.
  process.exit(0);
};
lambdaLocal
  .execute({
    lambdaPath: job.bundle,
    lambdaHandler: 'handler',
    event: job.event,
    environment: job.environment,
    timeoutMs: job.timeoutMs,
    verboseLevel: 0,
  })
  .then(
    (result) => done({ ok: true, result }),
    (error) =>
      done({
        ok: false,
        errorType: (error && (error.errorType || error.name)) || 'Error',
        errorMessage: String((error && (error.errorMessage || error.message)) || error),
      }),
  );
