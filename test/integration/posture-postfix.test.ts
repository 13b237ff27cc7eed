/**
 * Posture enumeration against a real Debian Postfix restricted to chosen protocols and ciphers, with
 * `openssl ciphers` as the oracle of what its cipher list means; and drift across a reconfiguration.
 */
import { execFileSync } from 'node:child_process';
import { postureDrift } from '../../lambdas/core/posture/drift';
import { parsePolicy } from '../../lambdas/core/posture/policy';
import type { Posture, TlsVersion, VersionSuite } from '../../lambdas/core/posture/posture';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { enumeratePostureDetailed, type PostureRun } from '../../lambdas/probe/posture/enumerate';
import { createChain, type TestChain } from '../support/pki';
import { type PostfixInstance, type PostfixOptions, startPostfix } from '../support/postfix';

const HOST = 'mx.certwatch.test';
const FLAGS: Record<TlsVersion, string> = {
  'TLSv1.3': '-tls1_3',
  'TLSv1.2': '-tls1_2',
  'TLSv1.1': '-tls1_1',
  TLSv1: '-tls1',
};
/** What OpenSSL 3 (and so Postfix) enables for TLS 1.3 unless told otherwise. */
const DEFAULT_TLS13 = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/** Suites openssl selects for a cipher list at a version, by IANA name, sorted. */
function oracle(version: TlsVersion, cipherList: string): string[] {
  const out = execFileSync(
    'openssl',
    ['ciphers', '-stdname', '-s', FLAGS[version], '-ciphersuites', DEFAULT_TLS13, cipherList],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith('TLS_') && (version === 'TLSv1.3') === !name.includes('_WITH_'))
    .sort();
}

function accepted(posture: Posture): Record<TlsVersion, string[]> {
  const sorted = (version: TlsVersion) => [...posture.versions[version].suites].sort();
  return {
    'TLSv1.3': sorted('TLSv1.3'),
    'TLSv1.2': sorted('TLSv1.2'),
    'TLSv1.1': sorted('TLSv1.1'),
    TLSv1: sorted('TLSv1'),
  };
}

function sortPairs(pairs: readonly VersionSuite[]): VersionSuite[] {
  return [...pairs].sort((a, b) => `${a.version} ${a.suite}`.localeCompare(`${b.version} ${b.suite}`));
}

/** Postfix settings that make `list` its whole cipher list for opportunistic STARTTLS. */
function restricted(protocols: string, list: string): Partial<PostfixOptions> {
  return { protocols, ciphers: 'high', tlsExtra: { tls_high_cipherlist: list } };
}

describe('posture of a real Postfix restricted to chosen protocols and ciphers', () => {
  let rsa: TestChain;
  let ecdsa: TestChain;
  let postfix: PostfixInstance;
  let options: ProbeOptions;
  // @SECLEVEL=0: OpenSSL 3 refuses TLS 1.0/1.1 (SHA-1 signatures) at any higher level.
  const BEFORE = 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0';
  const AFTER = 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:DES-CBC3-SHA:AES128-GCM-SHA256:@SECLEVEL=0';

  beforeAll(async () => {
    [rsa, ecdsa] = await Promise.all([
      createChain({ keyType: 'rsa', hostnames: [HOST] }),
      createChain({ keyType: 'ecdsa', hostnames: [HOST] }),
    ]);
    postfix = await startPostfix({
      listeners: [{ address: '127.0.0.1', port: 0, mode: 'starttls' }],
      chains: [
        { keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem },
        { keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem },
      ],
      hostname: HOST,
      ...restricted('>=TLSv1.1', BEFORE),
    });
    const { port, address } = postfix.listeners[0];
    options = { ...DEFAULT_PROBE_OPTIONS, timeoutMs: 5000, resolve: [{ host: HOST, port, addresses: [address] }] };
  }, 30_000);

  afterAll(async () => {
    await postfix?.stop();
  });

  const enumerate = async (): Promise<PostureRun> => {
    const target = parseTargets([`smtp://${HOST}:${postfix.listeners[0].port}`]);
    const [run] = await enumeratePostureDetailed(target, options);
    return run;
  };

  it('finds exactly the configured set, drifts exactly once across a reconfiguration, never without one', async () => {
    // Act 1: two cycles on the unchanged server
    const first = await enumerate();
    const second = await enumerate();

    // Assess 1: the configured set, as openssl reads the cipher list (dual certificate: all usable)
    expect(first.posture.ok).toBe(true);
    expect(accepted(first.posture)).toEqual({
      'TLSv1.3': oracle('TLSv1.3', BEFORE),
      'TLSv1.2': oracle('TLSv1.2', BEFORE),
      'TLSv1.1': oracle('TLSv1.1', BEFORE),
      TLSv1: [],
    });
    expect(first.posture.versions['TLSv1.2'].suites).toHaveLength(3);
    expect(accepted(second.posture)).toEqual(accepted(first.posture));
    // Default budget, default pause: the cost this Postfix costs per address.
    expect(first.handshakes).toBeLessThanOrEqual(60);

    // Act 2: the operator drops TLS 1.1 and ECDHE-RSA-AES256-SHA, adds RSA key exchange (AES128-GCM-SHA256);
    // DES-CBC3-SHA in the list changes nothing: the server's OpenSSL 3 has no 3DES
    await postfix.reconfigure(restricted('>=TLSv1.2', AFTER));
    const third = await enumerate();
    const fourth = await enumerate();

    // Assess 2: one drift over the four cycles, with the exact diff and the rule that started failing
    const rules = parsePolicy('min-version=TLS1.1,forward-secrecy');
    const drifts = [
      postureDrift(first.posture, second.posture, rules),
      postureDrift(second.posture, third.posture, rules),
      postureDrift(third.posture, fourth.posture, rules),
    ];
    expect(drifts.map((d) => d.changed)).toEqual([false, true, false]);
    expect(drifts.map((d) => d.policyStartedFailing.map((v) => v.rule))).toEqual([[], ['forward-secrecy'], []]);
    const change = drifts[1];
    expect(sortPairs(change.added)).toEqual([{ version: 'TLSv1.2', suite: 'TLS_RSA_WITH_AES_128_GCM_SHA256' }]);
    expect(sortPairs(change.removed)).toEqual([
      { version: 'TLSv1.1', suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA' },
      { version: 'TLSv1.1', suite: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA' },
      { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA' },
    ]);
    expect(change.versionsAdded).toEqual([]);
    expect(change.versionsRemoved).toEqual(['TLSv1.1']);
    expect(accepted(third.posture)['TLSv1.2']).toEqual(oracle('TLSv1.2', AFTER));
    expect(third.posture.versions['TLSv1.2'].suites).not.toContain('TLS_RSA_WITH_3DES_EDE_CBC_SHA');
  }, 45_000);
});
