/**
 * `npm run demo [-- --out FILE] [--png FILE]`: runs the demo (see run-demo.ts). Ctrl-C stops it after
 * the current cycle, with everything cleaned up; a second Ctrl-C exits at once.
 */
import { parseArgs } from 'node:util';
import { DemoAborted, runDemo } from './run-demo';

const USAGE = 'usage: npm run demo [-- --out FILE.svg|FILE.html] [--png FILE.png] [--width PIXELS]';

async function main(): Promise<number> {
  let values: { out?: string; png?: string; width?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        png: { type: 'string' },
        width: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const width = values.width === undefined ? undefined : Number(values.width);
  if (width !== undefined && !(Number.isInteger(width) && width >= 600)) {
    process.stderr.write(`--width ${values.width}: a whole number of pixels, at least 600\n${USAGE}\n`);
    return 2;
  }
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this cycle, cleaning up (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runDemo({ out: values.out, png: values.png, width, signal: abort.signal });
    return 0;
  } catch (error) {
    if (error instanceof DemoAborted) {
      process.stderr.write('demo interrupted; servers stopped and temporary files removed\n');
      return 130;
    }
    process.stderr.write(`demo failed: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// The demo runs on the Node it is given; the SDK's notice about future Node versions is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main().then((code) => {
  process.exitCode = code;
});
