import { decodeShardJob, encodeShardJob, type ShardJob } from '../../lambdas/run/shard-job';

const job = (): ShardJob => ({
  order: { runId: 'r-1', now: '2026-01-01T00:00:00.000Z', shard: 2, shardCount: 4 },
  store: { kind: 'local', endpoint: 'http://127.0.0.1:9', tableName: 'certwatch-history' },
  probeOptions: {
    keyTypes: ['ecdsa'],
    timeoutMs: 3000,
    resolve: [{ host: 'mx.example', port: 25, addresses: ['127.0.0.2'] }],
    concurrency: 32,
    extraAnchorsDer: [new Uint8Array([0x30, 0x82, 0x00, 0xff])],
    validationTime: new Date('2026-02-03T04:05:06.000Z'),
  },
});

describe('shard job (what a local shard worker reads on stdin)', () => {
  it('round-trips trust anchors as bytes and the validation time as a date', () => {
    // Act
    const decoded = decodeShardJob(encodeShardJob(job()));

    // Assess
    expect(decoded.probeOptions.extraAnchorsDer?.[0]).toBeInstanceOf(Uint8Array);
    expect([...(decoded.probeOptions.extraAnchorsDer?.[0] ?? [])]).toEqual([0x30, 0x82, 0x00, 0xff]);
    expect(decoded.probeOptions.validationTime).toEqual(new Date('2026-02-03T04:05:06.000Z'));
    expect(decoded.order).toEqual(job().order);
    expect(decoded.store).toEqual(job().store);
  });

  it.each([
    ['no order', { ...job(), order: undefined }],
    ['a shard past the count', { ...job(), order: { ...job().order, shard: 4 } }],
    ['no store', { ...job(), store: undefined }],
  ])('refuses a job with %s', (_what, bad) => {
    // Act / Assess
    expect(() => decodeShardJob(JSON.stringify(bad))).toThrow(/shard job/);
  });
});
