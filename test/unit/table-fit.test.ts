import { table } from '../../lambdas/cli/format';
import type { HistoryEntry } from '../../lambdas/cli/history-command';
import { renderHistory } from '../../lambdas/cli/history-command';
import { renderTable } from '../../lambdas/cli/shared/table';
import type { Observation } from '../../lambdas/core/observation';

const NOW = new Date('2026-12-01T00:00:00Z');
const TERMINAL_80 = { colour: false, columns: 80 };
const TARGET = 'smtps://smtp-relay.gmail.com:465';
const ADDRESSES = ['142.250.102.108', '2a00:1450:400c:c0a::6d'];

function observation(address: string, ok: boolean): Observation {
  const leaf = {
    sha256: '3f2a9c01'.repeat(8),
    subject: 'CN=smtp-relay.gmail.com',
    issuer: 'CN=WR2,O=Google Trust Services,C=US',
    notAfter: '2027-01-20T00:00:00.000Z',
  };
  return {
    target: TARGET,
    address,
    keyType: 'ecdsa',
    ok,
    ...(ok ? {} : { error: { code: 'CONNECT_TIMEOUT', message: 'no answer' } }),
    chain: ok ? [leaf] : [],
    validation: { trusted: true },
    hostnameMatch: true,
    tls: { protocol: 'TLSv1.3' },
  } as unknown as Observation;
}

describe('tables at 80 columns', () => {
  it('keeps target and address whole, cuts the fingerprint, leaves out columns in order and says which', () => {
    // Act
    const text = renderTable(
      ADDRESSES.map((a, i) => observation(a, i === 0)),
      NOW,
      { terminal: TERMINAL_80 },
    );

    // Assess
    const lines = text.split('\n');
    for (const line of lines.slice(0, 3)) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[1]).toMatch(new RegExp(`^${TARGET} +${ADDRESSES[0]} +ecdsa +3f2a9c01`));
    expect(lines[2]).toMatch(new RegExp(`^${TARGET} +${ADDRESSES[1].replace(/\./g, '\\.')} +ecdsa +CONNECT_TIMEOUT$`));
    expect(lines[3]).toBe('(not shown: PROTOCOL, ISSUER, SUBJECT, EXPIRES, TRUST; --json shows all)');
  });

  it('prints every value whole when the output is not a terminal', () => {
    // Act
    const text = renderTable([observation(ADDRESSES[1], true)], NOW);

    // Assess
    expect(text).toContain('3f2a9c01'.repeat(2));
    expect(text).toContain('WR2');
    expect(text).toContain('TLSv1.3');
    expect(text).not.toContain('not shown');
  });

  it('fits the history of a certificate to 80 columns: expiry as a date, the fingerprint kept', () => {
    // Prepare
    const entry = {
      target: TARGET,
      lastCycleAt: null,
      certificates: [
        {
          status: 'active',
          role: 'leaf',
          keyType: 'ecdsa',
          firstSeen: '2026-11-01T10:00:00.000Z',
          lastSeen: '2026-11-30T10:00:00.000Z',
          notAfter: '2027-01-20T00:00:00.000Z',
          sha256: '3f2a9c01'.repeat(8),
          addresses: ADDRESSES,
          subject: 'CN=smtp-relay.gmail.com',
        },
      ],
    } as unknown as HistoryEntry;

    // Act
    const lines = renderHistory([entry], NOW, { terminal: TERMINAL_80 }).split('\n');

    // Assess
    expect(lines[0].length).toBeLessThanOrEqual(80);
    expect(lines[1].length).toBeLessThanOrEqual(80);
    expect(lines[1]).toMatch(/^smtps:\/\/smtp-relay\.gmail\.com:465 +active +ecdsa +2027-01-20 +3f2a9c01/);
  });

  it('draws a table wider than the terminal rather than cut an identity column', () => {
    // Act
    const text = table(
      ['TARGET', { header: 'NOTE', cut: { min: 4, ellipsis: true }, drop: 1 }],
      [['x'.repeat(100), 'note']],
      {
        columns: 80,
      },
    );

    // Assess
    expect(text.split('\n')[1]).toBe('x'.repeat(100));
  });
});
