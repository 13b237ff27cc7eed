/**
 * The weekly heartbeat through the real outbox on dynalite: once per ISO week, whatever the number of
 * cycles, and nothing when heartbeats are off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTargets } from '../../lambdas/core/targets';
import { sendHeartbeatIfDue } from '../../lambdas/run/heartbeat-step';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { RecordingPublisher } from './cycle-harness';

describe('sendHeartbeatIfDue (dynalite store)', () => {
  let dir: string;
  let embedded: EmbeddedStore;
  const targets = parseTargets(['smtp://mx.example.com', 'smtps://smtp.example.com']);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-heartbeat-'));
    embedded = await startEmbeddedStore({ dir });
  });

  afterAll(async () => {
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const beat = (publisher: RecordingPublisher, at: string, schedule: 'weekly' | 'off' = 'weekly') =>
    sendHeartbeatIfDue({ schedule, store: embedded.store, publisher, targets, now: new Date(at), claimant: 'test' });

  it('sends nothing when heartbeats are off', async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const sent = await beat(publisher, '2026-11-23T10:00:00Z', 'off');

    // Assess
    expect(sent).toBeNull();
    expect(publisher.published).toEqual([]);
  });

  it('sends one heartbeat per ISO week, on the first cycle of the week', async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act: Monday and Sunday of one week, then the next Monday
    const monday = await beat(publisher, '2026-11-23T00:05:00Z');
    const sunday = await beat(publisher, '2026-11-29T23:50:00Z');
    const nextMonday = await beat(publisher, '2026-11-30T00:05:00Z');

    // Assess
    expect(monday?.dedupeKey).toBe('HEARTBEAT#2026-W48');
    expect(sunday).toBeNull();
    expect(nextMonday?.dedupeKey).toBe('HEARTBEAT#2026-W49');
    expect(publisher.published.map((n) => [n.type, n.dedupeKey])).toEqual([
      ['HEARTBEAT', 'HEARTBEAT#2026-W48'],
      ['HEARTBEAT', 'HEARTBEAT#2026-W49'],
    ]);
    expect(publisher.published[0].hosts).toEqual(['mx.example.com', 'smtp.example.com']);
  });
});
