/**
 * Issuance (pure): one record per certificate whatever the logs and forms, announced once unless already
 * served, the operator compared with what served the host; and the consumer policy's forecast.
 */
import { forecast } from '../../lambdas/core/ct/forecast';
import { detectIssuance, type IssuanceInput, type ServedLeaf } from '../../lambdas/core/ct/issuance';
import { type IssuanceMatch, type IssuedCert, issuedNotYetServed, operatorOf } from '../../lambdas/core/ct/issued';
import type { LoggedCertFacts } from '../../lambdas/core/ct/logged-cert';
import type { PolicySet } from '../../lambdas/core/policy/model';

const NOW = new Date('2026-03-01T12:00:00Z');
const HOST = 'smtp.example.com';
const TARGET = 'smtps://smtp.example.com:465';

function facts(over: Partial<LoggedCertFacts> = {}): LoggedCertFacts {
  return {
    linkKey: 'aa'.repeat(32),
    precertificate: true,
    sha256: null,
    subject: `CN=${HOST}`,
    issuer: 'C=US, O=Google Trust Services, CN=WR3',
    serial: '0a',
    notBefore: '2026-03-01T00:00:00.000Z',
    notAfter: '2026-05-30T00:00:00.000Z',
    dnsNames: [HOST],
    spkiSha256: Buffer.from('11'.repeat(32), 'hex').toString('base64'),
    spkiSha256Hex: '11'.repeat(32),
    keyAlgorithm: 'ECDSA P-256',
    ...over,
  };
}

function match(log: string, index: number, minutes: number, over: Partial<LoggedCertFacts> = {}): IssuanceMatch {
  return {
    logId: `${log}-id`,
    log,
    index,
    timestamp: NOW.getTime() - minutes * 60_000,
    facts: facts(over),
    hosts: [HOST],
    chain: [{ subject: 'CN=GTS Root R1', sha256: 'r1'.padEnd(64, '0'), spkiSha256Hex: '22'.repeat(32) }],
  };
}

const served = (leaves: Array<Partial<ServedLeaf>>) =>
  new Map([
    [
      HOST,
      {
        leaves: leaves.map((l) => ({
          target: TARGET,
          sha256: 'ff'.repeat(32),
          issuer: 'C=US, O=Google Trust Services, CN=WR2',
          serial: '01',
          firstSeen: '2026-01-01T00:00:00.000Z',
          ...l,
        })),
      },
    ],
  ]);

function input(over: Partial<IssuanceInput>): IssuanceInput {
  return {
    matches: [],
    issued: new Map(),
    targetsByHost: new Map([[HOST, [TARGET]]]),
    served: served([{}]),
    expectIssuers: [],
    now: NOW,
    ...over,
  };
}

test('a precertificate in two logs and its final certificate are one record, announced once', () => {
  // Prepare
  const first = detectIssuance(input({ matches: [match('argon', 7, 30), match('xenon', 9, 29)] }));
  const stored = new Map(first.records.map((r) => [r.linkKey, { ...r, rev: 1 }]));

  // Act
  const second = detectIssuance(
    input({ matches: [match('argon', 12, 5, { precertificate: false, sha256: 'cc'.repeat(32) })], issued: stored }),
  );

  // Assess
  expect(first.events.map((e) => e.type)).toEqual(['CERTIFICATE_ISSUED']);
  expect(first.records[0].logs.map((l) => [l.log, l.index, l.form])).toEqual([
    ['argon', 7, 'precertificate'],
    ['xenon', 9, 'precertificate'],
  ]);
  expect(first.records[0].loggedAt).toBe('2026-03-01T11:30:00.000Z');
  expect(second.events).toEqual([]);
  expect(second.records[0]).toMatchObject({ sha256: 'cc'.repeat(32), noticed: ['CERTIFICATE_ISSUED'], rev: 1 });
  expect(second.records[0].logs).toHaveLength(3);
});

test('the same entry read twice (a run repeated after a crash) changes nothing', () => {
  // Prepare
  const first = detectIssuance(input({ matches: [match('argon', 7, 30)] }));
  const stored = new Map(first.records.map((r) => [r.linkKey, r]));

  // Act
  const again = detectIssuance(input({ matches: [match('argon', 7, 30)], issued: stored }));

  // Assess
  expect(again).toEqual({ records: [], events: [] });
});

test('a logged certificate a frontend already serves is recorded as served, not announced', () => {
  // Prepare: the served leaf has the same issuer and serial.
  const history = served([
    { issuer: 'C=US, O=Google Trust Services, CN=WR3', serial: '0a', firstSeen: '2026-02-27T00:00:00.000Z' },
  ]);

  // Act
  const result = detectIssuance(input({ matches: [match('argon', 7, 30)], served: history }));

  // Assess
  expect(result.events).toEqual([]);
  expect(result.records[0]).toMatchObject({ servedAt: '2026-02-27T00:00:00.000Z', servedTargets: [TARGET] });
  expect(issuedNotYetServed(result.records, NOW)).toEqual([]);
});

test('a certificate from an operator never seen serving the host is unexpected; an intermediate rotation is not', () => {
  // Prepare
  const rotation = match('argon', 1, 3);
  const other = match('argon', 2, 2, { linkKey: 'bb'.repeat(32), issuer: "C=US, O=Let's Encrypt, CN=R11" });

  // Act
  const result = detectIssuance(input({ matches: [rotation, other] }));
  const expected = detectIssuance(input({ matches: [other], expectIssuers: ["let's encrypt"] }));
  const firstSight = detectIssuance(input({ matches: [other], served: new Map() }));

  // Assess
  expect(result.events.map((e) => [e.type, e.record.operator])).toEqual([
    ['CERTIFICATE_ISSUED', 'Google Trust Services'],
    ['CERTIFICATE_ISSUED', "Let's Encrypt"],
    ['UNEXPECTED_ISSUER', "Let's Encrypt"],
  ]);
  const unexpected = result.events.find((e) => e.type === 'UNEXPECTED_ISSUER');
  expect(unexpected).toMatchObject({ hosts: [{ host: HOST, seen: ['Google Trust Services'] }], targets: [TARGET] });
  expect(expected.events.map((e) => e.type)).toEqual(['CERTIFICATE_ISSUED']);
  expect(firstSight.events.map((e) => e.type)).toEqual(['CERTIFICATE_ISSUED']);
});

test('operator names come from the issuer organisation, else its common name', () => {
  // Act / Assess
  expect(operatorOf('C=US, O=Google Trust Services, CN=WR2')).toBe('Google Trust Services');
  expect(operatorOf('C=US, O=Example\\, Inc., CN=X')).toBe('Example, Inc.');
  expect(operatorOf('CN=Lonely CA')).toBe('Lonely CA');
});

test('the forecast names the failing rule and the remedy that can be known before service', () => {
  // Prepare
  const record = detectIssuance(input({ matches: [match('argon', 7, 30)] })).records[0] as IssuedCert;
  const set: PolicySet = {
    source: 'policy.json',
    policies: [
      { index: 1, targets: [TARGET], pins: [{ text: 'old', form: 'hex', sha256: 'ee'.repeat(32) }] },
      { index: 2, targets: ['*'], tlsa: [{ usage: 3, selector: 1, matchingType: 1, data: 'dd'.repeat(32) }] },
      { index: 3, targets: ['smtp://elsewhere.example:25'], pins: [] },
    ],
  };
  const target = { url: TARGET, host: HOST, port: 465, mxDomains: [] };

  // Act
  const before = forecast(set, record, record.chain, target);
  const after = forecast(set, { ...record, sha256: 'cc'.repeat(32) }, record.chain, target);
  const fine = forecast(
    {
      source: 'p',
      policies: [
        { index: 1, targets: ['*'], tlsa: [{ usage: 2, selector: 1, matchingType: 1, data: '22'.repeat(32) }] },
      ],
    },
    record,
    record.chain,
    target,
  );

  // Assess
  expect(before?.policies).toEqual([1, 2]);
  expect(before?.failures.map((f) => [f.policy, f.kind])).toEqual([
    [1, 'pins'],
    [2, 'tlsa'],
  ]);
  expect(before?.failures[0].remedy).toEqual([
    `pin: sha256/${record.spkiSha256}`,
    `postfix: [${HOST}]:465 fingerprint match=${'EE:'.repeat(31)}EE|${'11:'.repeat(31)}11`,
  ]);
  expect(before?.failures[1].remedy).toEqual([`tlsa: 3 1 1 ${'11'.repeat(32)}`]);
  expect(after?.failures[0].remedy.at(-1)).toBe(`certificate digest: ${'CC:'.repeat(31)}CC`);
  expect(fine?.failures).toEqual([]);
});
