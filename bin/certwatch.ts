// The CLI's entry: built into dist/cli/certwatch.mjs (scripts/build-cli.mjs); `npm run certwatch:dev` runs it from source.
import { runCli } from '../lambdas/cli/program';

// The AWS SDK (loaded only by the commands that use it, after this line) warns on Node 20 once per process.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
