import { createSmtpRig, replaySmtpPlan, runSmtpCampaign, type SmtpRig } from './smtp-fuzz';

/** The seed of the slice that runs in `npm test` (`npm run fuzz` runs 2 000 sessions of its own seed). */
const SEED = 20_261_123;

describe('SMTP reply fuzzing against the real prober: a seeded slice', () => {
  let rig: SmtpRig;

  beforeAll(async () => {
    rig = await createSmtpRig();
  });

  it('ends each of 100 mutated sessions in one classified observation, as RFC 5321 calls for', async () => {
    // Act: stalls meet a 1 s deadline; sessions about another classification get a patient one, so that a
    // busy machine cannot turn them into TIMEOUTs. Ending near the deadline is the behaviour, so it is
    // checked, with a margin (slackMs) a busy machine cannot exhaust while a probe ignoring it would.
    const result = await runSmtpCampaign(
      { seed: SEED, sessions: 100, timeoutMs: 1000, patientTimeoutMs: 20_000, slackMs: 3000, concurrency: 16 },
      rig,
    );

    // Assess
    expect(result.findings.map((f) => `${f.rule} ${f.id} ${f.steps.join('+')}: got ${f.got}, ${f.message}`)).toEqual(
      [],
    );
    expect(result.sessions).toBe(100);
    // The slice reaches well-formed successes, protocol errors, refusals and timeouts alike.
    expect(Object.keys(result.byOutcome)).toEqual(
      expect.arrayContaining(['ok', 'SMTP_PROTOCOL', 'STARTTLS_NOT_OFFERED', 'TIMEOUT']),
    );
  }, 120_000);

  it('rebuilds session i of seed s identically, so a finding replays from two numbers', () => {
    // Act
    const [a, b] = [replaySmtpPlan(SEED, 7), replaySmtpPlan(SEED, 7)];

    // Assess
    expect(a).toEqual(b);
  });
});
