import { writeFileSync } from 'node:fs';
import type { NoticeFactsMap } from '../../lambdas/core/notice';
import { parsePolicyDocument } from '../../lambdas/core/policy/parse';
import { colonUpper } from '../../lambdas/core/policy/pins';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { at, createPki, HOST, type Pki, RecordingPublisher, type ServerPair, startPair } from './cycle-harness';

function pinPolicy(url: string, pins: string[]) {
  return parsePolicyDocument({ policies: [{ targets: [url], pins }] }, { source: 'policy.json' });
}

describe('consumer policy over a pinned rollout: real loopback servers, real prober, dynalite', () => {
  let pki: Pki;
  let embedded: EmbeddedStore;
  let pair: ServerPair;

  beforeAll(async () => {
    pki = await createPki('policy');
  });

  beforeEach(async () => {
    embedded = await startEmbeddedStore({ inMemory: true });
  });

  afterEach(async () => {
    await pair?.close();
    await embedded.close();
  });

  it('raises POLICY_MISMATCH at the first address with the new digest in the Postfix line, then SATISFIED, and PIN_UNUSED a week after the retirement', async () => {
    // Prepare
    const oldCert = await pki.leaf();
    const newCert = await pki.leaf();
    const oldSha = oldCert.chain.leaf.sha256;
    const newSha = newCert.chain.leaf.sha256;
    pair = await startPair(pki, oldCert);
    const publisher = new RecordingPublisher();
    let policy = pinPolicy(pair.target.url, [colonUpper(oldSha)]);
    const cycle = (day: number) =>
      runWatchCycle(
        { prober: new SmtpProber(), store: embedded.store, publisher },
        { targets: [pair.target], probeOptions: { ...pair.probeOptions, policy }, now: at(day) },
      );
    const [a, b] = pair.servers;

    // Act
    await cycle(0);
    b.setCerts([newCert]); // the rollout reaches 127.0.0.3 first
    const first = await cycle(1);
    await cycle(2); // same picture: nothing new
    policy = pinPolicy(pair.target.url, [colonUpper(oldSha), newSha]); // the user pastes the remedy
    await cycle(3);
    a.setCerts([newCert]);
    for (let day = 4; day <= 16; day++) await cycle(day);

    // Assess
    expect(publisher.types()).toEqual([
      'BASELINE',
      'NEW_CERTIFICATE',
      'POLICY_MISMATCH',
      'POLICY_SATISFIED',
      'CERTIFICATE_RETIRED',
      'PIN_UNUSED',
    ]);
    expect(first.summary.critical).toBe(1);
    const mismatch = publisher.published[2];
    const facts = mismatch.facts as NoticeFactsMap['POLICY_MISMATCH'];
    expect(facts.addresses).toEqual(['127.0.0.3']);
    expect(facts.rollout).toEqual({ serving: 1, total: 2, share: 0.5 });
    expect(facts.cert.sha256).toBe(newSha);
    const line = `[${HOST}]:${pair.port} fingerprint match=${colonUpper(oldSha)}|${colonUpper(newSha)}`;
    expect(facts.remedy.postfix?.lines).toEqual([line]);
    expect(mismatch.text).toContain(line);
    expect(mismatch.text).toContain('smtp_tls_fingerprint_digest = sha256');
    expect(mismatch.severity).toBe('critical');
    const unused = publisher.published[5].facts as NoticeFactsMap['PIN_UNUSED'];
    expect(unused.pin).toBe(colonUpper(oldSha));
    expect(unused.retired.sha256).toBe(oldSha);
    // Not before the retirement has held for the confirmation period (pinUnusedAfterDays, 7).
    const retiredAt = Date.parse(publisher.published[4].at);
    expect(Date.parse(publisher.published[5].at) - retiredAt).toBeGreaterThanOrEqual(7 * 86_400_000);
    const history = await embedded.store.loadTarget(pair.target.url);
    const verdicts = Object.fromEntries(
      history.certs.filter((c) => c.role === 'leaf').map((c) => [c.sha256, c.policy?.ok]),
    );
    expect(verdicts).toEqual({ [oldSha]: true, [newSha]: true });
    if (process.env.CERTWATCH_NOTES_OUT) {
      const text = publisher.published.map(
        (n) => `## ${n.type} (${n.severity}) ${n.at}\nSubject: ${n.subject}\n\n${n.text}\n`,
      );
      writeFileSync(process.env.CERTWATCH_NOTES_OUT, text.join('\n'));
    }
  });
});
