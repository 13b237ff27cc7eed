/**
 * `npm run fuzz`: the full campaigns, then the figures table (Markdown, as in docs/reliability.md).
 * Exits 1 when an invariant fails: a crash, hang or memory bound in the certificate campaign, any SMTP
 * finding, a fault or kill point that lost history or a notice, or duplicated one outside the
 * publish → mark-sent window, or a store client without a request timeout.
 *
 *   npm run fuzz -- [--seed N] [--cert-inputs N] [--smtp-sessions N] [--rollout-runs N] [--ct-worlds N]
 *                   [--only cert,smtp,faults,crash,rollout,ct]
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CertCampaignResult, type CertFinding, campaignTrust, checkCertInput } from './cert-fuzz';
import { runGuardedCertCampaign } from './cert-fuzz-guard';
import { type CrashCampaignResult, crashViolations, runCrashCampaign } from './crash-anywhere';
import { runCtCampaign } from './ct-campaign';
import { type FaultCampaignResult, faultViolations, runFaultCampaign, stockClientStall } from './faults';
import { type RolloutCampaignResult, runRolloutCampaign } from './rollout-sim';
import { WORLDS } from './rollout-worlds';
import { runSmtpCampaign, type SmtpCampaignResult } from './smtp-fuzz';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '2026' },
    'cert-inputs': { type: 'string', default: '10000' },
    'smtp-sessions': { type: 'string', default: '2000' },
    'rollout-runs': { type: 'string', default: '100' },
    'ct-worlds': { type: 'string', default: '10' },
    only: { type: 'string', default: 'cert,smtp,faults,crash,rollout,ct' },
  },
});
const seed = Number(values.seed);
const only = new Set(values.only.split(','));
const log = (text: string) => process.stderr.write(`${text}\n`);
const CRASHES = join(__dirname, '..', 'fixtures', 'fuzz', 'crashes');
// A tenth of the publish lease: a store request may take no longer to be given up (and retried).
const STALL_WAIT_MS = 30_000;

async function recordedCrashesFixed(): Promise<{ recorded: number; fixed: number }> {
  const files = readdirSync(CRASHES).filter((f) => f.endsWith('.json'));
  let fixed = 0;
  for (const file of files) {
    const f = JSON.parse(readFileSync(join(CRASHES, file), 'utf8')) as CertFinding;
    const input = { ...f, chain: f.chainBase64.map((b) => Buffer.from(b, 'base64')), at: new Date(f.at) };
    if ((await checkCertInput(input, campaignTrust())).kind !== 'crash') fixed += 1;
  }
  return { recorded: files.length, fixed };
}

const count = (n: number) => n.toLocaleString('en-US');
const mark = (ok: boolean) => (ok ? 'ok' : '**FAILS**');
const outcomes = (byOutcome: Record<string, number>) =>
  Object.entries(byOutcome)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

async function main(): Promise<void> {
  const started = performance.now();
  const findingsDir = join(tmpdir(), `certwatch-fuzz-${seed}`);
  mkdirSync(findingsDir, { recursive: true });
  const rows: string[][] = [];
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
    return mark(ok);
  };

  let cert: CertCampaignResult | undefined;
  if (only.has('cert')) {
    log(`certificates: ${values['cert-inputs']} inputs, seed ${seed} …`);
    cert = await runGuardedCertCampaign({
      seed,
      count: Number(values['cert-inputs']),
      onProgress: (i) => i % 1000 === 0 && log(`  input ${i}`),
    });
    writeFileSync(join(findingsDir, 'cert-findings.json'), JSON.stringify(cert.findings, null, 2));
    const by = (rule: CertFinding['rule']) => cert?.findings.filter((f) => f.rule === rule) ?? [];
    const causes = new Set(by('crash').map((f) => f.message));
    const { recorded, fixed } = await recordedCrashesFixed();
    rows.push(
      [
        'certificates',
        'inputs fuzzed',
        `${count(cert.inputs)} (Cert ${count(cert.certs)}, CHAIN_UNPARSEABLE ${count(cert.unparseable)}, trusted ${count(cert.trusted)})`,
        '',
      ],
      [
        '',
        'crashes found',
        `${by('crash').length} inputs, ${causes.size} cause(s)${causes.size ? `: ${[...causes].join('; ')}` : ''}`,
        check(by('crash').length === 0, 'certificate crashes'),
      ],
      [
        '',
        'recorded crashes fixed',
        `${fixed} of ${recorded} (test/fixtures/fuzz/crashes)`,
        check(fixed === recorded, 'recorded crashes not fixed'),
      ],
      [
        '',
        'hangs / slow inputs',
        `${by('hang').length} / ${by('slow').length} (slowest ${Math.round(cert.slowestMs)} ms)`,
        check(by('hang').length + by('slow').length === 0, 'certificate hangs'),
      ],
      [
        '',
        'memory bound (1 GiB heap)',
        `passed ${by('memory').length} time(s); peak ${Math.round(cert.peakHeapMb)} MiB`,
        check(by('memory').length === 0, 'certificate memory bound'),
      ],
    );
  }

  let smtp: SmtpCampaignResult | undefined;
  if (only.has('smtp')) {
    log(`SMTP: ${values['smtp-sessions']} sessions …`);
    smtp = await runSmtpCampaign({ seed, sessions: Number(values['smtp-sessions']), patientTimeoutMs: 20_000 });
    writeFileSync(join(findingsDir, 'smtp-findings.json'), JSON.stringify(smtp.findings, null, 2));
    rows.push(
      ['SMTP replies', 'sessions', `${count(smtp.sessions)} (${outcomes(smtp.byOutcome)})`, ''],
      [
        '',
        'unclassified / hangs / late / misclassified',
        ['unclassified', 'hang', 'late', 'misclassified']
          .map((r) => smtp?.findings.filter((f) => f.rule === r).length)
          .join(' / '),
        check(smtp.findings.length === 0, 'SMTP findings'),
      ],
    );
  }

  let faults: FaultCampaignResult | undefined;
  let crash: CrashCampaignResult | undefined;
  if (only.has('faults')) {
    log('faults: every call site × kind × mode …');
    faults = await runFaultCampaign({
      onRun: (r) => r.index === 0 && log(`  phase ${r.phase} ${r.service} ${r.kind} ${r.mode}`),
    });
    // The same scenario with the faulted cycle on the embedded store's own path (dynalite in-process).
    const embedded = await runFaultCampaign({
      via: 'in-process',
      snsKinds: [],
      onRun: (r) => r.index === 0 && log(`  phase ${r.phase} ${r.service} ${r.kind} ${r.mode}`),
    });
    faults.runs.push(...embedded.runs);
    faults.points += embedded.points;
    const stall = await stockClientStall(STALL_WAIT_MS);
    writeFileSync(join(findingsDir, 'fault-runs.json'), JSON.stringify(faults, null, 2));
    const dynamo = faults.runs.filter((r) => r.service === 'dynamodb');
    const engine = faults.runs.filter((r) => r.service === 'engine');
    rows.push(
      [
        'faults',
        'fault points injected',
        `${count(faults.points)} (DynamoDB ${dynamo.length} over ${
          Object.values(faults.sites)
            .flat()
            .filter((s) => s !== 'Publish').length
        } call sites × 6 kinds × once/persistent; SNS ${faults.points - dynamo.length - engine.length}; embedded store in-process ${
          engine.length
        } over ${
          Object.values(embedded.sites)
            .flat()
            .filter((s) => s !== 'Publish').length
        } store calls × 2 kinds × once/persistent)`,
        '',
      ],
      [
        '',
        'cycles that failed loudly',
        `${faults.runs.filter((r) => r.threw && !r.hung).length}; hung ${faults.runs.filter((r) => r.hung).length}; silent gaps ${faults.runs.filter((r) => r.silentGap).length}`,
        check(!faults.runs.some((r) => r.silentGap || r.hung), 'hung cycles or silent gaps'),
      ],
      [
        '',
        'history equal to the clean run',
        `${faults.runs.filter((r) => r.historyMatches).length} of ${faults.runs.length}`,
        check(
          faults.runs.every((r) => r.historyMatches),
          'fault history',
        ),
      ],
      [
        '',
        `store client, answer withheld ${STALL_WAIT_MS / 1000} s`,
        stall.gaveUp ? stall.detail : `${stall.detail}: no request timeout`,
        check(stall.gaveUp, 'store client without a request timeout'),
      ],
    );
  }
  if (only.has('crash')) {
    log('crash anywhere: every boundary …');
    crash = await runCrashCampaign({ onRun: (r) => log(`  phase ${r.phase} after ${r.boundary}`) });
    writeFileSync(join(findingsDir, 'kill-runs.json'), JSON.stringify(crash, null, 2));
    rows.push(
      [
        'crash anywhere',
        'kill points (SIGKILL)',
        `${crash.runs.length} (${Object.entries(crash.boundaries)
          .map(([p, b]) => `${p}: ${b.length}`)
          .join(', ')})`,
        '',
      ],
      [
        '',
        'history equal to the uninterrupted run',
        `${crash.runs.filter((r) => r.historyMatches).length} of ${crash.runs.length}`,
        check(
          crash.runs.every((r) => r.historyMatches),
          'crash history',
        ),
      ],
    );
  }
  if (faults || crash) {
    const runs = [...(faults?.runs ?? []), ...(crash?.runs ?? [])];
    const sum = (f: (r: (typeof runs)[number]) => number) => runs.reduce((n, r) => n + f(r), 0);
    const lost = sum((r) => r.lost.length);
    const duplicated = sum((r) => r.duplicated.length + r.unexpected.length);
    const extraBaselines = sum((r) => r.unexpected.filter((k) => k.startsWith('BASELINE#')).length);
    const window = sum((r) => r.windowDuplicates.length);
    const violations = faultViolations(faults?.runs ?? []).length + crashViolations(crash?.runs ?? []).length;
    rows.push(
      ['notices', 'lost', String(lost), check(lost === 0, 'notices lost')],
      [
        '',
        'duplicated',
        `${duplicated}${extraBaselines ? ` (${extraBaselines} a second BASELINE)` : ''}`,
        check(duplicated === 0 && violations === 0, 'notices duplicated'),
      ],
      [
        '',
        'duplicated in the publish → mark-sent window',
        `${window} (SNS accepted, then the process died or the store failed before mark-sent: at-least-once)`,
        'known limit',
      ],
      [
        '',
        'left pending past a lease without a reported failure',
        String(faults?.runs.reduce((n, r) => n + r.delayed.length, 0) ?? 0),
        'published one cycle later',
      ],
    );
  }

  if (only.has('rollout')) {
    const runs = Number(values['rollout-runs']);
    const worlds = Object.keys(WORLDS);
    log(`rollouts: ${runs} runs of each of ${worlds.length} worlds at 15-minute cycles …`);
    const results = worlds.map((world) => runRolloutCampaign({ world, seed, runs, cycleMinutes: 15 }));
    writeFileSync(join(findingsDir, 'rollout-runs.json'), JSON.stringify(results, null, 2));
    for (const r of results) rows.push(...rolloutRows(`rollouts (${r.world})`, r, check));
  }

  if (only.has('ct')) {
    const worlds = Number(values['ct-worlds']);
    log(`CT: ${worlds} worlds of two loopback logs, runs cut and restarted …`);
    const ctStarted = performance.now();
    const ct = await runCtCampaign({
      seed,
      worlds,
      steps: 80,
      certs: 12,
      onWorld: (w) => log(`  world ${w.seed}: ${w.runs} runs, ${w.crashes} cut, ${w.expected} certificates`),
    });
    writeFileSync(join(findingsDir, 'ct-worlds.json'), JSON.stringify(ct.worlds, null, 2));
    rows.push(
      [
        'CT (cut + restarted runs)',
        'worlds, runs (cut)',
        `${worlds}, ${ct.runs} (${ct.crashes}) in ${Math.round((performance.now() - ctStarted) / 1000)} s`,
        '',
      ],
      ['', 'entries read', count(ct.entries), ''],
      ['', 'certificates for watched hosts', count(ct.expected), ''],
      ['', 'CERTIFICATE_ISSUED missed', String(ct.missed), check(ct.missed === 0, 'CT missed')],
      ['', 'CERTIFICATE_ISSUED twice', String(ct.duplicated), check(ct.duplicated === 0, 'CT duplicated')],
      ['', 'announced, not watched', String(ct.unexpected), check(ct.unexpected === 0, 'CT unexpected')],
    );
  }

  const seconds = Math.round((performance.now() - started) / 1000);
  const table = [['campaign', 'figure', 'value', 'invariant'], ['---', '---', '---', '---'], ...rows];
  process.stdout.write(`\ncertwatch fuzz — seed ${seed}, ${seconds} s (reproduce: npm run fuzz -- --seed ${seed})\n\n`);
  process.stdout.write(`${table.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n`);
  process.stdout.write(`Findings and per-run records: ${findingsDir}\n`);
  if (failures.length > 0) process.stdout.write(`\nInvariants failed: ${failures.join(', ')}\n`);
  process.exit(failures.length > 0 ? 1 : 0);
}

function rolloutRows(name: string, r: RolloutCampaignResult, check: (ok: boolean, what: string) => string): string[][] {
  const types = Object.entries(r.counts)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    [name, 'runs (seeds)', `${r.runs} in ${Math.round(r.durationMs / 1000)} s`, ''],
    ['', 'notices per type', types, ''],
    [
      '',
      'invariant violations',
      `${r.violations.length}${r.violations.length ? ` (first: seed ${r.violations[0].seed} ${r.violations[0].message})` : ''}`,
      check(r.violations.length === 0, `${name} invariants`),
    ],
    [
      '',
      'flaps (RETIRED, then the leaf seen while still served)',
      `${r.flaps}${r.flapDetails.length ? ` (first: seed ${r.flapDetails[0].seed} ${r.flapDetails[0].message})` : ''}`,
      check(r.flaps === 0, `${name} flaps`),
    ],
    [
      '',
      "retirements on sampling evidence: flaps predicted (sum of the test's bounds)",
      `${r.samplingRetirements}: ${r.predictedFlaps}`,
      '',
    ],
    [
      '',
      'RETURNED after a real rollback / after a flap',
      `${r.returns.rollback} / ${r.returns.flap}`,
      check(r.returns.flap === 0, `${name} returns`),
    ],
    ['', 'rollback races (rolled back while unobserved since, then RETURNED)', String(r.rollbackRaces), 'unknowable'],
    [
      '',
      'RETIRED before the last frontend switched, never contradicted',
      `${r.early.n}${r.early.n ? ` (at most ${r.early.maxMinutes} min early)` : ''}`,
      '',
    ],
    [
      '',
      'hours from the true end of service to RETIRED',
      `median ${r.retireLagHours.median}, max ${r.retireLagHours.max} (${r.retireLagHours.n} retirements)`,
      '',
    ],
    [
      '',
      'the same from the first cycle watching after that end',
      `median ${r.watchedLagHours.median}, max ${r.watchedLagHours.max}`,
      '',
    ],
    [
      '',
      'leaves gone at the end of a run, not retired (longest gone)',
      `${r.unretired.n}${r.unretired.n ? ` (${r.unretired.maxHours} h)` : ''}`,
      '',
    ],
    ['', 'handshakes per cycle (added by sampling)', `${r.handshakesPerCycle} (${r.extraPerCycle})`, ''],
  ];
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(2);
});
