import { decodePolicyText } from '../../lambdas/core/policy/decode';
import { mxPatternMatches, parseStsPolicy, parseStsRecord } from '../../lambdas/core/policy/mta-sts';
import { parsePolicyDocument, portablePolicyDocument } from '../../lambdas/core/policy/parse';
import { parsePin, postfixPolicyLine } from '../../lambdas/core/policy/pins';
import { parseTlsa } from '../../lambdas/core/policy/tlsa';
import { entryPolicyDocument, mergePolicySets, watchListPolicies } from '../../lambdas/core/policy/watch-policy';

const HEX = 'ab'.repeat(32);

function parse(policies: unknown[], readFile?: (p: string) => string) {
  return parsePolicyDocument({ policies }, { source: 'p.yaml', readFile });
}

describe('policy file parsing', () => {
  it('reads YAML and JSON to the same policies, targets made canonical', () => {
    // Prepare
    const yaml = `policies:\n  - targets: ["smtp://SMTP.gmail.com:587", "mx:Gmail.com.", "*"]\n    pins: ["${HEX}"]\n`;
    const json = JSON.stringify({
      policies: [{ targets: ['smtp://smtp.gmail.com:587', 'mx:gmail.com', '*'], pins: [HEX] }],
    });
    // Act
    const fromYaml = parsePolicyDocument(decodePolicyText(yaml, 'p.yaml'), { source: 'p.yaml' });
    const fromJson = parsePolicyDocument(decodePolicyText(json, 'p.json'), { source: 'p.yaml' });
    // Assess
    expect(fromYaml).toEqual(fromJson);
    expect(fromYaml.policies[0].targets).toEqual(['smtp://smtp.gmail.com:587', 'mx:gmail.com', '*']);
  });

  it.each([
    [{ targets: ['*'], pins: ['ab'.repeat(16)] }, 'policy 1, pins[0]', 'MD5'],
    [{ targets: ['*'], pins: ['ab'.repeat(20)] }, 'pins[0]', 'SHA-1'],
    [{ targets: ['*'], pins: ['sha1/abc='] }, 'pins[0] "sha1/abc="', 'expected 64 hex'],
    [{ targets: ['*'], pins: ['sha256/short'] }, 'pins[0]', '32-byte'],
    [{ targets: ['*'], tlsa: [`1 1 1 ${HEX}`] }, 'tlsa[0]', 'RFC 7672'],
    [{ targets: ['*'], tlsa: ['3 1 1 abcd'] }, 'tlsa[0]', '64 hex digits'],
    [{ targets: ['*'], tlsa: [`3 2 1 ${HEX}`] }, 'tlsa[0]', 'selector'],
    [{ targets: ['gmail.com'], pins: [HEX] }, 'targets[0]', 'mx:DOMAIN'],
    [{ targets: ['*'] }, 'policy 1', 'no rule'],
    [{ targets: ['*'], pins: [HEX], pin: [HEX] }, 'policy 1', 'unknown key "pin"'],
    [{ targets: ['*'], mtaSts: 'not a domain' }, 'mtaSts', 'domain'],
    [{ targets: ['*'], ca: 'roots.pem' }, 'ca "roots.pem"', 'means nothing here'],
  ])('refuses %j, naming the entry', (policy, where, why) => {
    expect(() => parse([policy])).toThrow(where);
    expect(() => parse([policy])).toThrow(why);
  });

  it('refuses a CA file that holds no certificate, naming the file', () => {
    expect(() => parse([{ targets: ['*'], ca: 'empty.pem' }], () => 'nothing')).toThrow('no PEM CERTIFICATE block');
  });

  it('reports the position of a YAML syntax error on one line', () => {
    expect(() => decodePolicyText('policies:\n  - targets: [\n', 'p.yaml')).toThrow(
      /^p\.yaml: not valid YAML: [^\n]+$/,
    );
  });

  it('keeps the portable form (PEM inline) readable without files', () => {
    const pem = require('node:fs').readFileSync(`${__dirname}/../fixtures/google/roots/GTS_Root_R1.pem`, 'utf8');
    const set = parse([{ targets: ['*'], ca: 'r.pem', tlsa: 'dns', mtaSts: 'gmail.com' }], () => pem);
    const again = parsePolicyDocument(portablePolicyDocument(set), { source: 'context' });
    expect(again.policies[0].ca?.pem).toBe(pem);
    expect(again.policies[0].tlsa).toBe('dns');
  });
});

describe('pins, TLSA and MTA-STS pieces', () => {
  it('reads the colon form and writes the Postfix policy-map line', () => {
    const pin = parsePin(HEX.toUpperCase().match(/.{2}/g)?.join(':') ?? '');
    expect(pin).toMatchObject({ form: 'hex', sha256: HEX });
    expect(postfixPolicyLine('smtp.gmail.com', 587, [HEX, 'cd'.repeat(32), HEX])).toBe(
      `[smtp.gmail.com]:587 fingerprint match=${'AB:'.repeat(31)}AB|${'CD:'.repeat(31)}CD`,
    );
  });

  it('reads TLSA records with the data split by spaces', () => {
    expect(parseTlsa(`3 1 1 ${HEX.slice(0, 10)} ${HEX.slice(10)}`)).toEqual({
      usage: 3,
      selector: 1,
      matchingType: 1,
      data: HEX,
    });
  });

  it('lets *.example.com cover exactly one label (RFC 8461 §4.1)', () => {
    expect(mxPatternMatches('*.example.com', 'mx1.example.com')).toBe(true);
    expect(mxPatternMatches('*.example.com', 'a.b.example.com')).toBe(false);
    expect(mxPatternMatches('*.example.com', 'example.com')).toBe(false);
    expect(mxPatternMatches('mx.example.com.', 'MX.example.com')).toBe(true);
  });

  it('reads an STS record and policy, and refuses a policy without mx in enforce mode', () => {
    expect(parseStsRecord(['v=STSv1; id=20240101T000000;'])).toEqual({ id: '20240101T000000' });
    expect(parseStsRecord(['v=spf1 -all'])).toContain('no TXT record');
    const policy = parseStsPolicy(
      'version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\nmx: mx.example.net\r\nmax_age: 86400\r\n',
      'x1',
    );
    expect(policy).toEqual({ mode: 'enforce', mx: ['*.example.com', 'mx.example.net'], maxAge: 86400, id: 'x1' });
    expect(parseStsPolicy('version: STSv1\nmode: enforce\nmax_age: 1\n', 'x')).toContain('needs at least one mx');
  });
});

describe('policies kept on the watch list', () => {
  it('aims each entry policy at its entry and numbers them on after the file', () => {
    // Prepare
    const file = parsePolicyDocument({ policies: [{ targets: ['*'], pins: [HEX] }] }, { source: 'file.json' });
    const stored = entryPolicyDocument(file, 'mx:example.com');
    const item = (target: string, policy: unknown, status: 'active' | 'removed' = 'active') => ({
      target,
      status,
      addedAt: '',
      removedAt: null,
      source: 'cli' as const,
      policy,
    });

    // Act
    const fromList = watchListPolicies([
      item('mx:example.com', stored),
      item('smtp://gone.example:25', stored, 'removed'),
    ]);
    const merged = mergePolicySets([file, fromList]);

    // Assess
    expect(fromList?.policies.map((p) => p.targets)).toEqual([['mx:example.com']]);
    expect(merged?.policies.map((p) => [p.index, p.targets])).toEqual([
      [1, ['*']],
      [2, ['mx:example.com']],
    ]);
    expect(() => watchListPolicies([item('smtp://x.example:25', { policies: [{ targets: ['*'] }] })])).toThrow(
      'watch list smtp://x.example:25: policy 1: no rule',
    );
  });
});
