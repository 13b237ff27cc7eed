/**
 * The posture cycle end to end: a real Postfix whose TLS configuration changes between cycles, the
 * real enumerator, the embedded dynalite store and the real outbox. The drift notice must appear once
 * when the configuration changes and never when it does not; a required policy that fails is a
 * critical notice, once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NoticeFactsMap } from '../../lambdas/core/notice';
import { parsePolicy } from '../../lambdas/core/posture/policy';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { runPostureCycle } from '../../lambdas/run/posture-cycle';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { createChain } from '../support/pki';
import { type PostfixInstance, startPostfix } from '../support/postfix';
import { RecordingPublisher } from './cycle-harness';

const HOST = 'mx.certwatch.test';
const CIPHERS = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:@SECLEVEL=0';
const DAY = 86_400_000;

describe('posture cycle against a real Postfix (dynalite store)', () => {
  let postfix: PostfixInstance;
  let embedded: EmbeddedStore;
  let dir: string;
  const publisher = new RecordingPublisher();
  const start = Date.now();
  let cycle = 0;

  const runCycle = async () => {
    const listener = postfix.listeners[0];
    cycle += 1;
    return runPostureCycle(
      { store: embedded.store, publisher },
      {
        targets: parseTargets([`smtp://${HOST}:${listener.port}`]),
        probeOptions: {
          ...DEFAULT_PROBE_OPTIONS,
          timeoutMs: 5000,
          resolve: [{ host: HOST, port: listener.port, addresses: [listener.address] }],
        },
        postureOptions: { rules: parsePolicy('min-version=TLS1.2'), pauseMs: 0, rawHello: false },
        now: new Date(start + cycle * DAY),
      },
    );
  };

  beforeAll(async () => {
    const rsa = await createChain({ keyType: 'rsa', hostnames: [HOST] });
    postfix = await startPostfix({
      listeners: [{ address: '127.0.0.1', port: 0, mode: 'starttls' }],
      chains: [{ keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem }],
      hostname: HOST,
      protocols: '>=TLSv1.1',
      ciphers: 'high',
      tlsExtra: { tls_high_cipherlist: CIPHERS },
    });
    dir = mkdtempSync(join(tmpdir(), 'certwatch-posture-cycle-'));
    embedded = await startEmbeddedStore({ dir });
  }, 30_000);

  afterAll(async () => {
    await embedded?.close();
    await postfix?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises a critical policy notice on the first look, then nothing while the server stays the same', async () => {
    // Act
    const first = await runCycle();
    const second = await runCycle();

    // Assess
    expect(first.incomplete).toBe(0);
    expect(first.postures[0].versions['TLSv1.1'].accepted).toBe(true);
    expect(first.notices.map((n) => [n.type, n.severity])).toEqual([['TLS_POLICY_VIOLATED', 'critical']]);
    const facts = first.notices[0].facts as NoticeFactsMap['TLS_POLICY_VIOLATED'];
    expect(facts.failing.map((v) => v.rule)).toEqual(['min-version=TLS1.2']);
    expect(second.notices).toEqual([]);
  });

  it('raises TLS_POSTURE_CHANGED once, with the exact diff, when the configuration changes', async () => {
    // Prepare
    await postfix.reconfigure({ protocols: '>=TLSv1.2' });

    // Act
    const changed = await runCycle();
    const again = await runCycle();

    // Assess
    expect(changed.notices.map((n) => n.type)).toEqual(['TLS_POSTURE_CHANGED']);
    const diff = changed.notices[0].facts as NoticeFactsMap['TLS_POSTURE_CHANGED'];
    expect(diff.versionsRemoved).toEqual(['TLSv1.1']);
    expect(diff.versionsAdded).toEqual([]);
    expect(diff.added).toEqual([]);
    expect(diff.removed.every((p) => p.version === 'TLSv1.1')).toBe(true);
    expect(diff.removed.length).toBeGreaterThan(0);
    expect(changed.notices[0].text).toContain('versions no longer accepted: TLSv1.1');
    expect(again.notices).toEqual([]);
  });

  it('published each notice exactly once across all cycles', () => {
    // Assess
    expect(publisher.published.map((n) => n.type)).toEqual(['TLS_POLICY_VIOLATED', 'TLS_POSTURE_CHANGED']);
  });
});
