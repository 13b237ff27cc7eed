/**
 * A process that starts a Postfix instance, prints its directory and master's pid, and waits to be
 * killed without calling stop(): the orphan `reapOrphanedPostfix` exists for (test/integration/postfix-reap.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostfix } from './postfix';

startPostfix({ listeners: [{ address: '127.0.0.1', port: 0, mode: 'starttls' }], chains: [] }).then(
  (postfix) => {
    const pid = Number(readFileSync(join(postfix.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim());
    process.stdout.write(`${JSON.stringify({ dir: postfix.dir, pid })}\n`);
    setInterval(() => undefined, 60_000);
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  },
);
