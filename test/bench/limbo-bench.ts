/**
 * The 2026 x509-limbo suite, timed: every SERVER case as `certwatch inspect` runs it (parse + validate),
 * cold per case (each case has its own certificates) after one warm-up. Reports the slowest case, the
 * total, agreement by family, and `openssl verify`'s agreement on the same cases (default flags and
 * `-x509_strict`), as the oracle's figure. Run alone: `npx tsx test/bench/limbo-bench.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { certwatchAnswer, familyOf, LIMBO_2026, type LimboCase, loadLimbo } from '../support/limbo';

const DEFAULT_TIME = new Date('2023-12-02T00:00:00Z');

/** One case's outcome for certwatch and openssl. */
export interface LimboCaseFigure {
  id: string;
  family: string;
  untagged: boolean;
  expectedAccept: boolean;
  certwatchAccept: boolean;
  certwatchMs: number;
  opensslAccept: boolean;
  opensslStrictAccept: boolean;
}

/** The whole run. */
export interface LimboBench {
  cases: LimboCaseFigure[];
  slowest: { id: string; ms: number };
  totalMs: number;
  loadBefore: string;
  loadAfter: string;
}

function opensslAccepts(c: LimboCase, dir: string, strict: boolean): boolean {
  const roots = join(dir, 'roots.pem');
  const untrusted = join(dir, 'untrusted.pem');
  const leaf = join(dir, 'leaf.pem');
  writeFileSync(roots, c.trusted_certs.join('\n'));
  writeFileSync(untrusted, c.untrusted_intermediates.join('\n'));
  writeFileSync(leaf, c.peer_certificate);
  const at = Math.floor((c.validation_time ? new Date(c.validation_time) : DEFAULT_TIME).getTime() / 1000);
  const args = [
    'verify',
    '-no-CApath',
    '-no-CAstore',
    '-CAfile',
    roots,
    '-attime',
    String(at),
    '-purpose',
    'sslserver',
  ];
  if (c.untrusted_intermediates.length > 0) args.push('-untrusted', untrusted);
  if (c.expected_peer_name?.kind === 'DNS') args.push('-verify_hostname', c.expected_peer_name.value);
  if (c.expected_peer_name?.kind === 'IP') args.push('-verify_ip', c.expected_peer_name.value);
  if (strict) args.push('-x509_strict');
  args.push(leaf);
  const run = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  return run.status === 0 && /: OK\s*$/.test(run.stdout);
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

/** Runs every SERVER case of the 2026 suite through certwatch (timed) and openssl. */
export async function runLimboBench(): Promise<LimboBench> {
  const server = loadLimbo(LIMBO_2026).filter((c) => c.validation_kind === 'SERVER');
  const loadBefore = load();
  // Warm-up: module loading and JIT, not a case's own work.
  await certwatchAnswer(server[0]);
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-limbo-'));
  const cases: LimboCaseFigure[] = [];
  try {
    for (const c of server) {
      const started = performance.now();
      const answer = await certwatchAnswer(c);
      const certwatchMs = performance.now() - started;
      cases.push({
        id: c.id,
        family: familyOf(c.id),
        untagged: (c.features ?? []).length === 0,
        expectedAccept: c.expected_result === 'SUCCESS',
        certwatchAccept: answer.accepted,
        certwatchMs,
        opensslAccept: opensslAccepts(c, dir, false),
        opensslStrictAccept: opensslAccepts(c, dir, true),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const slowest = cases.reduce((a, b) => (b.certwatchMs > a.certwatchMs ? b : a));
  return {
    cases,
    slowest: { id: slowest.id, ms: slowest.certwatchMs },
    totalMs: cases.reduce((sum, c) => sum + c.certwatchMs, 0),
    loadBefore,
    loadAfter: load(),
  };
}

function tally(cases: LimboCaseFigure[], accept: (c: LimboCaseFigure) => boolean): string {
  const agree = cases.filter((c) => accept(c) === c.expectedAccept).length;
  const falseAccepts = cases.filter((c) => accept(c) && !c.expectedAccept).length;
  return `${agree}/${cases.length} (${falseAccepts} false accepts)`;
}

/** The bench's printed lines. */
export function describeLimboBench(bench: LimboBench): string[] {
  const untagged = bench.cases.filter((c) => c.untagged);
  const families = [...new Set(untagged.map((c) => c.family))];
  const slow = [...bench.cases].sort((a, b) => b.certwatchMs - a.certwatchMs).slice(0, 5);
  return [
    `x509-limbo 2026, ${bench.cases.length} server cases: slowest ${bench.slowest.id} ${bench.slowest.ms.toFixed(0)} ms, total ${(bench.totalMs / 1000).toFixed(2)} s (load average ${bench.loadBefore} before, ${bench.loadAfter} after)`,
    `  five slowest: ${slow.map((c) => `${c.id} ${c.certwatchMs.toFixed(0)} ms`).join(', ')}`,
    `  untagged (${untagged.length}): certwatch ${tally(untagged, (c) => c.certwatchAccept)}, openssl verify ${tally(untagged, (c) => c.opensslAccept)}, openssl verify -x509_strict ${tally(untagged, (c) => c.opensslStrictAccept)}`,
    `  all server cases (${bench.cases.length}): certwatch ${tally(bench.cases, (c) => c.certwatchAccept)}, openssl verify ${tally(bench.cases, (c) => c.opensslAccept)}, openssl verify -x509_strict ${tally(bench.cases, (c) => c.opensslStrictAccept)}`,
    ...families.map((family) => {
      const some = untagged.filter((c) => c.family === family);
      return `  untagged ${family}: certwatch ${tally(some, (c) => c.certwatchAccept)}, openssl ${tally(some, (c) => c.opensslAccept)}, openssl -x509_strict ${tally(some, (c) => c.opensslStrictAccept)}`;
    }),
  ];
}

if (require.main === module) {
  runLimboBench()
    .then((bench) => {
      for (const line of describeLimboBench(bench)) console.log(line);
    })
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
