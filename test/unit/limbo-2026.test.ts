/**
 * The current x509-limbo suite (2026 sources, test/fixtures/x509-limbo-2026) through validateChain,
 * as `certwatch inspect` runs a chain: the table of every SERVER case certwatch's profile decides
 * (docs/trust-profile.md). The test fails on an unlisted disagreement and on a listed case that starts
 * agreeing; feature-tagged cases outside the profile are run and counted, not judged.
 */
import {
  CA_AS_LEAF,
  certwatchAnswer,
  familyOf,
  LIMBO_2026,
  type LimboAnswer,
  type LimboCase,
  loadLimbo,
} from '../support/limbo';

/**
 * Tagged behaviours the profile implements: directory-name constraints, bounded work on hostile
 * chains, and the key rules for subscribers (the same as for CAs).
 */
const DECIDED_FEATURES = new Set(['name-constraint-dn', 'denial-of-service', 'pedantic-webpki-subscriber-key']);

/** Case id → why certwatch disagrees with limbo's expected result: deliberate profile choices. */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {
  // limbo marks this case as conflicting with webpki::ca-as-leaf; the profile takes the web-PKI side.
  'rfc5280::ca-as-leaf': CA_AS_LEAF,
  'pathlen::validation-ignores-pathlen-in-leaf': CA_AS_LEAF,
};

const cases = loadLimbo(LIMBO_2026);
const server = cases.filter((c) => c.validation_kind === 'SERVER');
const decided = server.filter((c) => (c.features ?? []).every((f) => DECIDED_FEATURES.has(f)));
const tagged = server.filter((c) => !decided.includes(c));
const untagged = (c: LimboCase) => (c.features ?? []).length === 0;

interface Outcome {
  c: LimboCase;
  answer: LimboAnswer;
  agrees: boolean;
}

function judge(c: LimboCase, answer: LimboAnswer): Outcome {
  return { c, answer, agrees: answer.accepted === (c.expected_result === 'SUCCESS') };
}

describe('x509-limbo 2026', () => {
  const outcomes = new Map<string, Outcome>();

  test('has the generated suite: 208 cases, 198 for servers', () => {
    expect(cases.length).toBe(208);
    expect(server.length).toBe(198);
    expect(server.filter(untagged).length).toBe(156);
  });

  test('lists only decided cases that exist', () => {
    const ids = new Set(decided.map((c) => c.id));
    expect(Object.keys(KNOWN_DISAGREEMENTS).filter((id) => !ids.has(id))).toEqual([]);
  });

  test.each(decided.map((c) => [c.id, c] as const))('%s', async (id, c) => {
    // Act
    const outcome = judge(c, await certwatchAnswer(c));
    outcomes.set(id, outcome);

    // Assess
    const listed = KNOWN_DISAGREEMENTS[id];
    expect({ id, agrees: outcome.agrees, why: outcome.agrees || listed ? undefined : outcome.answer.why }).toEqual({
      id,
      agrees: listed === undefined,
      why: undefined,
    });
  });

  test('agrees on at least 98% of the untagged server cases, with no false accept', () => {
    // Prepare
    const judged = [...outcomes.values()].filter((o) => untagged(o.c));

    // Act
    const agreeing = judged.filter((o) => o.agrees).length;
    const falseAccepts = judged.filter((o) => !o.agrees && o.answer.accepted).map((o) => o.c.id);

    // Assess
    expect(judged.length).toBe(156);
    expect(falseAccepts).toEqual([]);
    expect(agreeing / judged.length).toBeGreaterThanOrEqual(0.98);
    const families = new Map<string, [number, number]>();
    for (const o of judged) {
      const [agree, total] = families.get(familyOf(o.c.id)) ?? [0, 0];
      families.set(familyOf(o.c.id), [agree + (o.agrees ? 1 : 0), total + 1]);
    }
    console.log(
      `x509-limbo 2026: untagged server cases ${agreeing}/${judged.length}, 0 false accepts; by family: ${[...families]
        .map(([family, [agree, total]]) => `${family} ${agree}/${total}`)
        .join(', ')}`,
    );
  });

  test('runs the feature-tagged cases outside the profile to an answer (counted, not judged)', async () => {
    // Act
    const byFeature = new Map<string, [number, number, number]>();
    for (const c of tagged) {
      const outcome = judge(c, await certwatchAnswer(c));
      for (const feature of c.features ?? []) {
        const [agree, falseAccept, total] = byFeature.get(feature) ?? [0, 0, 0];
        byFeature.set(feature, [
          agree + (outcome.agrees ? 1 : 0),
          falseAccept + (!outcome.agrees && outcome.answer.accepted ? 1 : 0),
          total + 1,
        ]);
      }
    }

    // Assess
    expect([...byFeature.values()].reduce((sum, [, , total]) => sum + total, 0)).toBeGreaterThanOrEqual(tagged.length);
    console.log(
      `x509-limbo 2026, tagged cases outside the profile: ${[...byFeature]
        .map(([feature, [agree, fa, total]]) => `${feature} ${agree}/${total} (${fa} false accepts)`)
        .join(', ')}`,
    );
  });
});
