import { parseResolve, parseTarget } from '../../lambdas/core/targets';
import { resolveTarget } from '../../lambdas/probe/resolve';

describe('resolveTarget (no DNS: pins and address literals)', () => {
  const target = parseTarget('smtp://mx.example.com:2525');
  const pins = [parseResolve('mx.example.com:2525:127.0.0.2,[::1],127.0.0.3')];

  it('probes every pinned address, both families by default', async () => {
    // Act
    const resolution = await resolveTarget(target, pins, 1000);

    // Assess
    expect(resolution).toEqual({ addresses: ['127.0.0.2', '::1', '127.0.0.3'] });
  });

  it.each([
    [[4] as const, ['127.0.0.2', '127.0.0.3']],
    [[6] as const, ['::1']],
  ])('keeps only the asked families %j', async (families, expected) => {
    // Act
    const resolution = await resolveTarget(target, pins, 1000, families);

    // Assess
    expect(resolution).toEqual({ addresses: expected });
  });

  it('says why when no address of the asked family is left', async () => {
    // Act
    const resolution = await resolveTarget(parseTarget('smtp://127.0.0.1:25'), [], 1000, [6]);

    // Assess
    expect('error' in resolution && resolution.error.code).toBe('DNS_FAILED');
    expect('error' in resolution && resolution.error.message).toMatch(/no IPv6 address to probe \(only 127\.0\.0\.1\)/);
  });
});
