import { parseDnsServers } from '../../lambdas/core/dns-servers';
import { CoreError } from '../../lambdas/core/errors';
import { type MxRecord, mxStep } from '../../lambdas/core/mx';
import { GOOGLE_INBOUND_TARGET_URLS, parseWatchTargets, seedFor } from '../../lambdas/core/watch-list';

const NOW = new Date('2026-11-29T03:00:00Z');

describe('watch-list entries', () => {
  it('reads URLs, mx:DOMAIN and set names, dropping duplicates', () => {
    // Act
    const entries = parseWatchTargets([
      'MX:Example.COM.',
      'smtp://a.example.com',
      'a.example.com:25',
      'google-inbound',
    ]);

    // Assess
    expect(entries.map((e) => e.key)).toEqual([
      'mx:example.com',
      'smtp://a.example.com:25',
      ...GOOGLE_INBOUND_TARGET_URLS,
    ]);
  });

  it.each([['mx:'], ['mx:bad domain'], ['ftp://x.example.com']])('rejects %j', (input) => {
    // Act
    const act = () => parseWatchTargets([input]);

    // Assess
    expect(act).toThrow(CoreError);
  });

  it('adopts the targets a store has history of, else starts with the fallback', () => {
    // Act
    const adopted = seedFor(['smtp://b.example.com:25', 'smtp://a.example.com:25'], {
      targets: ['x'],
      source: 'default',
    });
    const fresh = seedFor([], { targets: ['smtp://x.example.com:25'], source: 'default' });

    // Assess
    expect(adopted).toEqual({ targets: ['smtp://a.example.com:25', 'smtp://b.example.com:25'], source: 'adopted' });
    expect(fresh).toEqual({ targets: ['smtp://x.example.com:25'], source: 'default' });
  });
});

describe('--dns servers', () => {
  it('reads ADDR[:PORT] lists, IPv6 with a port in brackets', () => {
    // Act
    const servers = parseDnsServers('127.0.0.1:5353, 10.0.0.2,[::1]:53,::1');

    // Assess
    expect(servers).toEqual(['127.0.0.1:5353', '10.0.0.2', '[::1]:53', '::1']);
  });

  it.each([['dns.example.com'], ['127.0.0.1:0'], ['::1:53x']])('rejects %j with a message', (input) => {
    // Act
    const act = () => parseDnsServers(input);

    // Assess
    expect(act).toThrow(/DNS server/);
  });
});

describe('MX step', () => {
  const record = (hosts: string[], rev = 1): MxRecord => ({
    domain: 'example.com',
    hosts: hosts.map((host, i) => ({ host, preference: (i + 1) * 10 })),
    gone: {},
    checkedAt: '2026-11-28T00:00:00.000Z',
    changedAt: '2026-11-28T00:00:00.000Z',
    rev,
  });

  it('orders hosts by preference and records the first answer without a notice', () => {
    // Act
    const step = mxStep(
      'example.com',
      null,
      {
        hosts: [
          { host: 'B.example.com.', preference: 20 },
          { host: 'a.example.com', preference: 10 },
        ],
      },
      NOW,
    );

    // Assess
    expect(step.targets.map((t) => t.url)).toEqual(['smtp://a.example.com:25', 'smtp://b.example.com:25']);
    expect(step.notice).toBeNull();
    expect(step.next?.rev).toBe(0);
  });

  it('raises MX_CHANGED keyed by the revision it changes, and remembers when a host left', () => {
    // Act
    const step = mxStep(
      'example.com',
      record(['a.example.com', 'b.example.com'], 4),
      {
        hosts: [
          { host: 'a.example.com', preference: 10 },
          { host: 'c.example.com', preference: 30 },
        ],
      },
      NOW,
    );

    // Assess
    expect(step.notice?.dedupeKey).toBe('MX_CHANGED#example.com#4');
    expect(step.notice?.facts).toMatchObject({ added: ['c.example.com'], removed: ['b.example.com'] });
    expect(step.notice?.severity).toBe('warning');
    expect(step.next?.gone).toEqual({ 'b.example.com': NOW.toISOString() });
  });

  it('keeps probing the last known hosts when the lookup fails, and writes nothing', () => {
    // Act
    const step = mxStep('example.com', record(['a.example.com']), { error: { code: 'DNS_FAILED', message: 'x' } }, NOW);

    // Assess
    expect(step.targets.map((t) => t.url)).toEqual(['smtp://a.example.com:25']);
    expect(step.next).toBeNull();
    expect(step.notice).toBeNull();
  });
});
