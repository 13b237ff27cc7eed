/**
 * Session plans for the SMTP campaign: what a scripted server answers to the greeting, EHLO and
 * STARTTLS, mutated from a well-behaved dialogue (codes, separators, line endings, continuation
 * markers, lengths, non-ASCII, keyword spellings, transport tricks), each with the classification
 * RFC 5321 / RFC 3207 and certwatch's limits (line ≤ 4 KiB, reply ≤ 64 KiB; docs/observation.md) call for.
 */
import type { ProbeErrorCode } from '../../lambdas/core/observation';
import type { Rng } from './prng';

/** A dialogue stage the server answers. */
export type Stage = 'greeting' | 'ehlo' | 'starttls';

/** What the server does instead of (or after) answering a stage. */
export type Transport = 'answer' | 'close' | 'reset' | 'stall';

/** One scripted session. */
export interface SmtpPlan {
  id: string;
  steps: string[];
  replies: Record<Stage, Buffer>;
  /** What happens once the stage's reply is written (answer = carry on). */
  after: Record<Stage, Transport>;
  /** Write replies byte by byte (a slow, fragmented server). */
  fragmented: boolean;
  /** After 220 to STARTTLS: TLS, garbage, or nothing. */
  tls: 'handshake' | 'garbage' | 'close' | 'stall';
  /** Acceptable outcomes: `ok` or error codes; null = any classified outcome. */
  expect: Array<ProbeErrorCode | 'ok'> | null;
}

const CRLF = '\r\n';
const EHLO_LINES = ['fuzz.test.example at your service', 'PIPELINING', 'SIZE 35882577', '8BITMIME', 'STARTTLS'];

/** Encodes reply lines with one code: continuation markers on all but the last (or on all). */
export function reply(
  code: string,
  lines: readonly string[],
  options: { eol?: string; sep?: string; endless?: boolean; encoding?: BufferEncoding } = {},
): Buffer {
  const { eol = CRLF, sep = ' ', endless = false, encoding = 'latin1' } = options;
  const last = (i: number) => !endless && i === lines.length - 1;
  return Buffer.from(lines.map((line, i) => `${code}${last(i) ? sep : '-'}${line}${eol}`).join(''), encoding);
}

function good(id: string): SmtpPlan {
  return {
    id,
    steps: [],
    replies: {
      greeting: reply('220', ['fuzz.test.example ESMTP fuzz']),
      ehlo: reply('250', EHLO_LINES),
      starttls: reply('220', ['2.0.0 Ready to start TLS']),
    },
    after: { greeting: 'answer', ehlo: 'answer', starttls: 'answer' },
    fragmented: false,
    tls: 'handshake',
    expect: ['ok'],
  };
}

/** Outcome of a well-formed reply code at a stage (RFC 5321 §4.2, RFC 3207 §4). */
function codeOutcome(stage: Stage, code: number): Array<ProbeErrorCode | 'ok'> | 'continue' {
  if (stage === 'greeting') return code === 220 ? 'continue' : code >= 400 ? ['SMTP_REJECTED'] : ['SMTP_PROTOCOL'];
  if (stage === 'ehlo') {
    if (code === 250) return 'continue';
    // 500/502: EHLO unknown (plain SMTP, no STARTTLS); other 4xx/5xx: refused; any other code: not SMTP.
    if (code === 500 || code === 502) return ['STARTTLS_NOT_OFFERED'];
    return code >= 400 ? ['SMTP_REJECTED'] : ['SMTP_PROTOCOL'];
  }
  return code === 220 ? 'continue' : code === 421 ? ['SMTP_REJECTED'] : ['STARTTLS_REFUSED'];
}

const linesOf = (stage: Stage) =>
  stage === 'greeting'
    ? ['fuzz.test.example ESMTP fuzz']
    : stage === 'ehlo'
      ? EHLO_LINES
      : ['2.0.0 Ready to start TLS'];
const codeOf = (stage: Stage) => (stage === 'ehlo' ? '250' : '220');
const isOk = (plan: SmtpPlan) => plan.expect?.length === 1 && plan.expect[0] === 'ok';

/** Rewrites one stage of a plan that so far succeeds; sets what the session must then end in. */
type Mutator = (rng: Rng, plan: SmtpPlan, stage: Stage) => void;

interface Entry {
  stages: readonly Stage[];
  mutate: Mutator;
}

const ALL: readonly Stage[] = ['greeting', 'ehlo', 'starttls'];

const MUTATORS: Record<string, Entry> = {
  code: {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      const code = rng.pick([200, 220, 221, 250, 251, 354, 421, 450, 454, 500, 502, 530, 550, 554]);
      plan.replies[stage] = reply(String(code), linesOf(stage));
      const outcome = codeOutcome(stage, code);
      if (outcome !== 'continue') plan.expect = outcome;
    },
  },
  'malformed-code': {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      const code = rng.pick(['100', '600', '999', '000', '22', '2200', 'abc', ' 220', '2 0', '\uff12\uff12\uff10', '']);
      plan.replies[stage] = reply(code, linesOf(stage), { encoding: 'utf8' });
      plan.expect = ['SMTP_PROTOCOL'];
    },
  },
  'mixed-codes': {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      const head = reply(codeOf(stage), linesOf(stage), { endless: true });
      plan.replies[stage] = Buffer.concat([head, Buffer.from(`${rng.pick(['251', '550', '221'])} trailer${CRLF}`)]);
      plan.expect = ['SMTP_PROTOCOL'];
    },
  },
  separator: {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      // '--' reads as a continuation line whose text starts with '-': the reply never ends.
      const sep = rng.pick(['\t', '_', 'x', '=', '--']);
      plan.replies[stage] = reply(codeOf(stage), linesOf(stage), { sep });
      plan.expect = [sep === '--' ? 'TIMEOUT' : 'SMTP_PROTOCOL'];
    },
  },
  'bare-code': {
    stages: ['greeting', 'starttls'],
    mutate: (_rng, plan, stage) => {
      plan.replies[stage] = Buffer.from(`${codeOf(stage)}${CRLF}`);
    },
  },
  'lf-only': {
    stages: ALL,
    mutate: (_rng, plan, stage) => {
      plan.replies[stage] = reply(codeOf(stage), linesOf(stage), { eol: '\n' });
    },
  },
  'cr-only': {
    stages: ALL,
    mutate: (_rng, plan, stage) => {
      plan.replies[stage] = reply(codeOf(stage), linesOf(stage), { eol: '\r' });
      plan.after[stage] = 'stall';
      plan.expect = ['TIMEOUT'];
    },
  },
  'odd-eol': {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      const eol = rng.pick(['\r\r\n', '\n\r', '\r\n\r\n', '\0\r\n']);
      plan.replies[stage] = reply(codeOf(stage), linesOf(stage), { eol });
      plan.expect = null;
    },
  },
  'endless-continuation': {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      plan.replies[stage] = reply(codeOf(stage), linesOf(stage), { endless: true });
      plan.after[stage] = rng.pick(['stall', 'close'] as const);
      plan.expect = [plan.after[stage] === 'stall' ? 'TIMEOUT' : 'SMTP_PROTOCOL'];
    },
  },
  'many-lines': {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      // Whole reply around the 64 KiB limit, every line far below 4 KiB.
      const count = rng.pick([10, 200, 1000, 1400, 1500, 1700]);
      const filler = Array.from(
        { length: count },
        (_, i) => `X-FILLER-${String(i).padStart(5, '0')} ${'y'.repeat(30)}`,
      );
      const base = linesOf(stage);
      const lines = stage === 'ehlo' ? [base[0], ...filler, ...base.slice(1)] : [...filler, ...base];
      plan.replies[stage] = reply(codeOf(stage), lines);
      if (plan.replies[stage].length > 65536) plan.expect = ['SMTP_PROTOCOL'];
    },
  },
  'reply-at-limit': {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      // A reply of exactly 64 KiB − 1, 64 KiB or 64 KiB + 1 octets (CRLFs included), lines of ~1000 octets.
      const target = rng.pick([65535, 65536, 65537]);
      const base = linesOf(stage);
      const filler = Array.from({ length: 64 }, () => 'y'.repeat(990));
      const lines = stage === 'ehlo' ? [base[0], ...filler, ...base.slice(1)] : [...filler, ...base];
      const short = target - reply(codeOf(stage), lines).length;
      lines[stage === 'ehlo' ? 1 : 0] += 'y'.repeat(short);
      plan.replies[stage] = reply(codeOf(stage), lines);
      if (plan.replies[stage].length > 65536) plan.expect = ['SMTP_PROTOCOL'];
    },
  },
  'long-line': {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      // One line of exactly `length` octets before its CRLF, around the 4 KiB limit.
      const length = rng.pick([4095, 4096, 4097, 5000, 70_000]);
      const lines = [...linesOf(stage)];
      const i = stage === 'ehlo' ? 1 : lines.length - 1;
      lines[i] = `${lines[i]} ${'z'.repeat(length - 5 - lines[i].length)}`;
      plan.replies[stage] = reply(codeOf(stage), lines);
      if (length > 4096) plan.expect = ['SMTP_PROTOCOL'];
    },
  },
  'non-ascii': {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      const lines = [...linesOf(stage)];
      lines[0] = `${lines[0]} ${rng.pick(['Gr\u00fc\u00dfe \u65e5\u672c \u{1f680}', '\u0000nul', '\u001b[2J', '\u00ff\u00fe'])}`;
      plan.replies[stage] = reply(codeOf(stage), lines, { encoding: 'utf8' });
    },
  },
  'starttls-spelling': {
    stages: ['ehlo'],
    mutate: (rng, plan) => {
      const spellings: Array<[string, boolean]> = [
        ['starttls', true],
        ['StartTLS', true],
        ['STARTTLS ', true],
        ['  STARTTLS', true],
        ['STARTTLS extra', true],
        ['START TLS', false],
        ['X-STARTTLS', false],
        ['STARTTLS=1', false],
        ['STARTTL\u1e60', false],
        ['STARTTLS\u0000', false],
      ];
      const [spelling, offered] = rng.pick(spellings);
      plan.replies.ehlo = reply('250', [...EHLO_LINES.slice(0, -1), spelling], { encoding: 'utf8' });
      if (!offered) plan.expect = ['STARTTLS_NOT_OFFERED'];
    },
  },
  'starttls-as-domain': {
    stages: ['ehlo'],
    mutate: (_rng, plan) => {
      plan.replies.ehlo = reply('250', ['STARTTLS']);
      plan.expect = ['STARTTLS_NOT_OFFERED'];
    },
  },
  transport: {
    stages: ALL,
    mutate: (rng, plan, stage) => {
      const action = rng.pick(['close', 'reset', 'stall', 'silent'] as const);
      if (action === 'silent') plan.replies[stage] = Buffer.alloc(0);
      plan.after[stage] = action === 'silent' ? 'stall' : action;
      if (plan.after[stage] === 'stall') plan.expect = ['TIMEOUT'];
      // After the 220 to STARTTLS the next to notice a closed connection is the TLS handshake.
      else if (stage === 'starttls') plan.expect = ['TLS_HANDSHAKE_FAILED'];
      else plan.expect = ['SMTP_PROTOCOL'];
      // A reset may overtake the reply it follows: the reader, or even the connect, sees ECONNRESET first.
      // The prober reports a reset during connect as CONNECT_REFUSED (see docs/reliability.md).
      if (action === 'reset')
        plan.expect = [...plan.expect, 'SMTP_PROTOCOL', ...(stage === 'greeting' ? ['CONNECT_REFUSED' as const] : [])];
    },
  },
  injection: {
    stages: ['starttls'],
    mutate: (_rng, plan) => {
      plan.replies.starttls = Buffer.concat([plan.replies.starttls, Buffer.from(`250 injected${CRLF}`)]);
      // Injected bytes read with the 220 are caught by the dialogue; bytes that arrive in a later segment
      // (a long or fragmented reply) reach the TLS layer, which refuses them. Never a success.
      plan.expect = ['SMTP_PROTOCOL', 'TLS_HANDSHAKE_FAILED'];
    },
  },
  'unsolicited-line': {
    stages: ['greeting'],
    mutate: (_rng, plan) => {
      plan.replies.greeting = Buffer.concat([plan.replies.greeting, Buffer.from(`250 unsolicited${CRLF}`)]);
      plan.expect = null;
    },
  },
  'tls-garbage': {
    stages: ['starttls'],
    mutate: (rng, plan) => {
      plan.tls = rng.pick(['garbage', 'close', 'stall'] as const);
      plan.expect = [plan.tls === 'stall' ? 'TIMEOUT' : 'TLS_HANDSHAKE_FAILED'];
    },
  },
};

const NAMES = Object.keys(MUTATORS);
const ORDER: Record<Stage, number> = { greeting: 0, ehlo: 1, starttls: 2 };

/**
 * A session plan: up to three mutations at non-decreasing stages, stopping at the first that makes the
 * dialogue fail (later stages are never reached), plus fragmented writes now and then.
 */
export function smtpPlan(rng: Rng, id: string): SmtpPlan {
  const plan = good(id);
  plan.fragmented = rng.chance(0.15);
  if (plan.fragmented) plan.steps.push('fragmented');
  let from = 0;
  const count = rng.weighted<number>([
    [0, 1],
    [1, 6],
    [2, 3],
    [3, 1],
  ]);
  for (let n = 0; n < count && isOk(plan); n++) {
    const name = rng.pick(NAMES);
    const stages = MUTATORS[name].stages.filter((s) => ORDER[s] >= from);
    if (stages.length === 0) continue;
    const stage = rng.pick(stages);
    MUTATORS[name].mutate(rng, plan, stage);
    plan.steps.push(`${stage}:${name}`);
    from = ORDER[stage];
  }
  return plan;
}
