import type { Command } from 'commander';
import { daysUntil } from '../core/days';
import type { Cert, Validation } from '../core/observation';
import type { ConsumerPolicyVerdict, PolicySet } from '../core/policy/model';
import type { RevocationOptions } from '../core/revocation/model';
import type { ResolvePin } from '../core/targets';
import type { Certificate } from '../core/x509/certificate';
import { commonName } from '../core/x509/dn';
import { derToPem, pemToDerList } from '../core/x509/pem';
import type { TrustStore } from '../core/x509/trust-store';
import { SETTINGS } from '../settings/table';
import { type CliRun, EXIT, UsageError, withContext } from './cli-io';
import { cliEnv, cliSettings } from './cli-settings';
import { type Column, colonHex, table } from './format';
import { loadPolicyFile } from './policy-file';
import { flagOption, readCaFile } from './probe-options-cli';
import {
  addRevocationOptions,
  anyRevoked,
  type RevocationCliValues,
  renderRevocation,
  revocationFrom,
} from './revocation-cli';
import { readBoundedFile, type StdinReader } from './shared/bounded-input';
import { DATE_CUT, NAME_CUT } from './shared/table';
import { PLAIN, type Terminal, terminalOf } from './shared/terminal';

/** Largest input `inspect` reads: 16 certificates of 64 KiB, PEM-encoded, plus surrounding text. */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/** What `certwatch inspect --json` prints: the chain and validation in the same shape as `probe`. */
export interface InspectResult {
  source: string;
  chain: Cert[];
  validation: Validation;
  hostnameMatch: boolean | null;
  /** With `--policy`: the verdict of the policies matching `--servername` or `*`. */
  consumerPolicy?: ConsumerPolicyVerdict;
}

interface InspectValues extends RevocationCliValues {
  resolve: string[];
  dns?: string;
  policy?: string;
  at?: string;
  servername?: string;
  trust?: string;
  ca?: string;
  json?: boolean;
}

/** `certwatch inspect`: judge a PEM chain as presented (e.g. the output of Google's openssl recipe). */
export function registerInspectCommand(program: Command, run: CliRun, stdin: StdinReader): void {
  addRevocationOptions(
    program
      .command('inspect')
      .description('parse and validate a PEM chain as presented (leaf first), e.g. piped from openssl s_client'),
    false,
  )
    .argument('[file]', 'PEM file, or - for standard input', '-')
    .option('--at <iso-date>', 'validate at this instant instead of now')
    .option(...flagOption(SETTINGS.servername, 'name'))
    .option(...flagOption(SETTINGS.trust, 'node|google'))
    .option(...flagOption(SETTINGS.ca, 'file'))
    // Where --revocation's sources are fetched from, as probe and check fetch them (docs/revocation.md).
    .option(...flagOption(SETTINGS.resolve, 'host:port:addr[,addr...]'), (v: string, p: string[] = []) => [...p, v])
    .option(...flagOption(SETTINGS.dns, 'addr[:port][,...]'))
    .option('--json', 'print the result as one JSON document')
    .option('--policy <file>', 'consumer policy: judge the chain by the policies for --servername (or *)')
    .action(async (file: string, values: InspectValues) => {
      const read = cliSettings(values);
      const [servername, trust, ca] = [read(SETTINGS.servername), read(SETTINGS.trust), read(SETTINGS.ca)];
      const policy = values.policy ? await loadPolicyFile(values.policy) : undefined;
      const at = values.at === undefined ? new Date() : parseInstant(values.at);
      const revocation = revocationFrom(values, false);
      const fetchVia = { resolve: read(SETTINGS.resolve), dnsServers: read(SETTINGS.dns) };
      if (revocation && values.at !== undefined) {
        throw new UsageError('--revocation cannot be combined with --at: a revocation status is a fact of now');
      }
      const input =
        file === '-'
          ? await stdin({ limit: MAX_INPUT_BYTES, describe: 'a PEM chain' })
          : await readBoundedFile(file, MAX_INPUT_BYTES);
      const { trustStoreNamed } = await import('../trust/trust-stores.js');
      const result = await inspectPem(input.toString('utf8'), {
        source: file === '-' ? 'stdin' : file,
        at,
        servername,
        trust: ca ? trustStoreNamed(trust).withExtra(readCaFile(ca)) : trustStoreNamed(trust),
        policy,
        revocation,
        fetchVia,
      });
      run.stdout.write(
        values.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderInspect(result, at, terminalOf(run.stdout))}\n`,
      );
      const refused = result.consumerPolicy?.ok === false;
      const fine = result.validation.trusted && result.hostnameMatch !== false && !refused && !anyRevoked([result]);
      run.exitCode = fine ? EXIT.OK : EXIT.FAILED;
    });
}

/**
 * Parses and validates a PEM chain. Garbage or empty input is a UsageError (exit code 2).
 */
export async function inspectPem(
  text: string,
  options: {
    source: string;
    at: Date;
    servername?: string;
    trust: TrustStore;
    policy?: PolicySet;
    revocation?: RevocationOptions;
    /** Resolvers for the revocation sources (default: the environment's, then the system's). */
    fetchVia?: { resolve?: readonly ResolvePin[]; dnsServers?: readonly string[] };
  },
): Promise<InspectResult> {
  let ders: Buffer[];
  try {
    ders = pemToDerList(text);
  } catch (error) {
    throw withContext(error, `${options.source}: `);
  }
  if (ders.length === 0) {
    throw new UsageError(`${options.source}: no PEM certificate found (expected -----BEGIN CERTIFICATE----- blocks)`);
  }
  const [{ parseChain }, { validateChain }] = await Promise.all([
    import('../core/x509/certificate.js'),
    import('../core/x509/validation.js'),
  ]);
  const parsed = parseChain(ders);
  if (!parsed.ok) throw new UsageError(`${options.source}: ${parsed.error.message}`);
  const verdict = await validateChain(parsed.certificates, {
    trust: options.trust,
    at: options.at,
    servername: options.servername,
  });
  const result: InspectResult = {
    source: options.source,
    chain: parsed.certificates.map((c) => c.toModel()),
    ...verdict,
  };
  if (options.policy) {
    const [{ evaluateConsumerPolicy }, { publishedAnchor }] = await Promise.all([
      import('../core/policy/evaluate.js'),
      import('../trust/published-anchor.js'),
    ]);
    const consumerPolicy = await evaluateConsumerPolicy({
      set: options.policy,
      subject: { target: null, host: options.servername ?? '', port: 0, ...verdict },
      chain: parsed.certificates,
      now: options.at,
      anchorSource: publishedAnchor,
    });
    if (consumerPolicy) result.consumerPolicy = consumerPolicy;
  }
  if (options.revocation) {
    const verdicts = await inspectRevocation(parsed.certificates, verdict.validation.path, options);
    result.chain.forEach((cert, i) => {
      cert.revocation = verdicts[i];
    });
  }
  return result;
}

/** The revocation verdicts of an inspected chain: fetched now, with the probes' DNS setting and timeout. */
async function inspectRevocation(
  certificates: readonly Certificate[],
  path: readonly string[],
  options: {
    trust: TrustStore;
    at: Date;
    revocation?: RevocationOptions;
    fetchVia?: { resolve?: readonly ResolvePin[]; dnsServers?: readonly string[] };
  },
) {
  const [{ checkRevocation }, { MemoryRevocationCache }] = await Promise.all([
    import('../probe/revocation-checker.js'),
    import('../core/revocation/cache.js'),
  ]);
  const env = cliEnv();
  let ca: string[] | undefined;
  const [verdicts] = await checkRevocation(
    [{ certificates, path }],
    {
      methods: options.revocation?.methods ?? [],
      maxCrlBytes: options.revocation?.maxCrlBytes ?? SETTINGS.revocationMaxBytes.default,
      timeoutMs: env(SETTINGS.probeTimeoutMs),
      dnsServers: options.fetchVia?.dnsServers ?? env(SETTINGS.dns),
      resolve: options.fetchVia?.resolve ?? env(SETTINGS.resolve),
      // https sources are checked against the same anchors as the chain (--trust, --ca), parsed only if met.
      get ca() {
        ca ??= options.trust.certificates().map((c) => derToPem(c.der));
        return ca;
      },
    },
    { cache: new MemoryRevocationCache(), trust: options.trust },
    options.at,
  );
  return verdicts;
}

function renderInspect(result: InspectResult, at: Date, terminal: Terminal = PLAIN): string {
  const rows = result.chain.map((c, i) => [
    String(i),
    colonHex(c.sha256),
    commonName(c.subject),
    commonName(c.issuer),
    `${c.notAfter.slice(0, 10)} (${daysUntil(c.notAfter, at)}d)`,
    c.keyAlgorithm,
  ]);
  const v = result.validation;
  const verdict = v.trusted
    ? `trusted at ${v.at}: anchor ${v.anchor}${v.crossSigned ? ' (through a cross-signed certificate)' : ''}`
    : `NOT trusted at ${v.at}: ${v.error?.code ?? 'unknown'} — ${v.error?.message ?? ''}`;
  const name =
    result.hostnameMatch === null ? '' : `\nhost name: ${result.hostnameMatch ? 'matches' : 'DOES NOT match'}`;
  const policy = result.consumerPolicy
    ? `\nconsumer policy: ${result.consumerPolicy.ok ? 'accepted' : 'REFUSED'}\n${result.consumerPolicy.rules
        .map((r) => `  policy ${r.policy} ${r.kind} ${r.status}${r.code ? ` ${r.code}` : ''}: ${r.reason}`)
        .join('\n')}`
    : '';
  const revocation = renderRevocation([result]);
  const header: Column[] = [
    { header: '#' },
    { header: 'SHA-256', cut: { min: 11, ellipsis: true } },
    { header: 'SUBJECT', cut: NAME_CUT, drop: 3 },
    { header: 'ISSUER', cut: NAME_CUT, drop: 2 },
    { header: 'NOT AFTER', cut: DATE_CUT },
    { header: 'KEY', cut: NAME_CUT, drop: 1 },
  ];
  return `${table(header, rows, { columns: terminal.columns })}\n\n${verdict}${name}${policy}${revocation ? `\n${revocation.trimEnd()}` : ''}`;
}

function parseInstant(raw: string): Date {
  const at = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(at.getTime())) {
    throw new UsageError(`--at: "${raw}" is not an ISO 8601 date (e.g. 2024-11-01 or 2024-11-01T12:00:00Z)`);
  }
  return at;
}
