/**
 * x509-limbo (C2SP) cases run through validateChain: the 2023-12-02 suite and the weekly captures of
 * google.com / storage.googleapis.com. Every disagreement is listed below with its reason; the test
 * fails on an unlisted disagreement and on a listed case that starts agreeing. The current (2026)
 * suite has its own table in limbo-2026.test.ts.
 */
import { join } from 'node:path';
import {
  CA_AS_LEAF,
  certwatchAnswer,
  LIMBO_2023_DIR,
  type LimboCase,
  loadLimbo,
  loadOnlineCaptures,
} from '../support/limbo';

// Optional behaviours limbo tags; certwatch implements directory-name constraints, nothing else tagged.
const MAPPED_FEATURES = new Set(['name-constraint-dn']);

/** Case id → why certwatch disagrees with limbo's expected result. */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {
  'pathlen::validation-ignores-pathlen-in-leaf': CA_AS_LEAF,
  'rfc5280::nc::permitted-dn-match':
    'needs common-name fallback for the host name (the leaf has no DNS SAN); certwatch matches SANs only, as webpki::san::no-san requires',
};

type Source = 'suite' | 'online';
const all: (LimboCase & { source: Source })[] = [
  ...loadLimbo(join(LIMBO_2023_DIR, 'limbo-2023-12-02_ddc40b4.json')).map((c) => ({ ...c, source: 'suite' as const })),
  ...loadOnlineCaptures().map((c) => ({ ...c, source: 'online' as const })),
];
const runnable = all.filter(
  (c) => c.validation_kind === 'SERVER' && (c.features ?? []).every((f) => MAPPED_FEATURES.has(f)),
);

describe('x509-limbo 2023 and online captures', () => {
  const agreeing = { suite: 0, online: 0 };
  const total = (source: Source) => runnable.filter((c) => c.source === source).length;

  afterAll(() => {
    console.log(
      `x509-limbo: certwatch agrees on ${agreeing.suite + agreeing.online}/${runnable.length} runnable cases ` +
        `(2023 suite ${agreeing.suite}/${total('suite')}, online Google captures ${agreeing.online}/${total('online')}; ` +
        `${all.length - runnable.length} skipped for unmapped features; ${Object.keys(KNOWN_DISAGREEMENTS).length} listed disagreements)`,
    );
  });

  test('runs the whole 2023 suite and every online capture', () => {
    expect(all.length).toBe(135 + 76);
    expect(runnable.length).toBeGreaterThan(190);
  });

  test('lists only cases that exist and run', () => {
    const ids = new Set(runnable.map((c) => c.id));
    expect(Object.keys(KNOWN_DISAGREEMENTS).filter((id) => !ids.has(id))).toEqual([]);
  });

  test.each(runnable.map((c) => [c.id, c] as const))('%s', async (id, c) => {
    // Act
    const { accepted, why } = await certwatchAnswer(c);

    // Assess
    const agrees = accepted === (c.expected_result === 'SUCCESS');
    if (agrees) agreeing[c.source]++;
    const listed = KNOWN_DISAGREEMENTS[id];
    expect({ id, agrees, why: agrees || listed ? undefined : why }).toEqual({
      id,
      agrees: listed === undefined,
      why: undefined,
    });
  });
});
