import { campaignTrust, checkCertInput, replayCertInput, runCertCampaign } from './cert-fuzz';
import { loadSeeds } from './cert-seeds';
import { mutateWith } from './der-mutators';
import { encodeDer, parseDer } from './der-tree';
import { Rng } from './prng';

/** The seed of the slice that runs in `npm test` (`npm run fuzz` runs 10 000 inputs of its own seed). */
const SEED = 20_261_123;

describe('certificate fuzzing: a seeded slice of the campaign', () => {
  it('ends every one of 300 mutated chains in a Cert or CHAIN_UNPARSEABLE, in time and memory', async () => {
    // Act
    const result = await runCertCampaign({ seed: SEED, count: 300, timeBoundMs: 5000, memoryBoundMb: 1024 });

    // Assess
    expect(result.findings.map((f) => `${f.rule} ${f.id} ${f.steps.join('+')}: ${f.message}`)).toEqual([]);
    expect(result.inputs).toBe(300);
    expect(result.certs + result.unparseable).toBe(300);
    // Both ends are reached: damage the parser refuses, and damage that gets through to validation.
    expect(result.unparseable).toBeGreaterThan(30);
    expect(result.certs).toBeGreaterThan(30);
    // 300 parses and validations: CPU-bound, several times slower with both cores busy; a hang still fails.
  }, 180_000);

  it('rebuilds input i of seed s byte for byte, so a finding replays from two numbers', () => {
    // Act
    const [a, b] = [replayCertInput(SEED, 42), replayCertInput(SEED, 42)];

    // Assess
    expect(a.chain).toEqual(b.chain);
    expect(a.steps).toEqual(b.steps);
    expect(replayCertInput(SEED, 43).chain).not.toEqual(a.chain);
  });

  it('re-encodes an unmutated certificate tree to the same DER', () => {
    // Prepare
    const { chain } = replayCertInput(SEED, 0);
    const original = chain.find((der) => parseDer(der) !== null);
    if (!original) throw new Error('no well-formed certificate in the input');

    // Act
    const tree = parseDer(original);

    // Assess
    expect(tree && encodeDer(tree)).toEqual(original);
  });

  it('ends a certificate drowned in thousands of nesting levels in a Cert or CHAIN_UNPARSEABLE', async () => {
    // Prepare: deep-nesting mutations of a real leaf, drawn until a deep one comes (bounded).
    const leaf = loadSeeds()[0].chain[0];
    let mutated: Buffer | null = null;
    for (let i = 0; i < 200 && !mutated; i++) {
      const bytes = mutateWith('deep-nesting', Rng.for(SEED, 'nest', i), leaf, { donors: [] });
      if (bytes && bytes.length > 20_000) mutated = bytes;
    }
    if (!mutated) throw new Error('no deep nesting drawn');

    // Act
    const outcome = await checkCertInput(
      { id: 'nest', seedName: 'nest', steps: [], chain: [mutated], at: new Date(), servername: 'x.example' },
      campaignTrust(),
    );

    // Assess
    expect(['unparseable', 'cert']).toContain(outcome.kind);
  });
});
