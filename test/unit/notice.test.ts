import { PassThrough } from 'node:stream';
import {
  baselineKey,
  createNotice,
  createTestNotice,
  NOTICE_SEVERITY,
  NOTICE_TYPES,
  type NoticeType,
} from '../../lambdas/core/notice';
import { MAX_SUBJECT_LENGTH, toSubject } from '../../lambdas/core/notices/text';
import { ConsolePublisher } from '../../lambdas/notify/console-publisher';

describe('notices', () => {
  it('gives every notice type of the contract one severity', () => {
    // Prepare
    const contract: NoticeType[] = [
      'BASELINE',
      'NEW_CERTIFICATE',
      'CERTIFICATE_RETIRED',
      'CERTIFICATE_RETURNED',
      'ROLLOUT_PROGRESS',
      'KEY_TYPE_WITHDRAWN',
      'EXPIRY_WARNING',
      'ROTATION_OVERDUE',
      'EXPIRED',
      'CERTIFICATE_REVOKED',
      'REVOCATION_UNKNOWN',
      'CHAIN_INVALID',
      'HOSTNAME_MISMATCH',
      'ISSUER_CHANGED',
      'STARTTLS_MISSING',
      'TLS_POSTURE_CHANGED',
      'TLS_POLICY_VIOLATED',
      'MX_CHANGED',
      'POLICY_MISMATCH',
      'POLICY_WARNING',
      'POLICY_SATISFIED',
      'PIN_UNUSED',
      'MTA_STS_CHANGED',
      'PROBE_FAILING',
      'PROBE_RECOVERED',
      'CERTIFICATE_ISSUED',
      'POLICY_FORECAST',
      'UNEXPECTED_ISSUER',
      'CT_LOG_INCONSISTENT',
      'CT_LOG_BEHIND',
      'HEARTBEAT',
      'TEST',
    ];

    // Act
    const severities = contract.map((type) => NOTICE_SEVERITY[type]);

    // Assess
    expect([...NOTICE_TYPES].sort()).toEqual([...contract].sort());
    expect(severities.every((s) => ['info', 'warning', 'critical'].includes(s))).toBe(true);
    expect(contract.filter((t) => NOTICE_SEVERITY[t] === 'critical')).toEqual([
      'EXPIRED',
      'CERTIFICATE_REVOKED',
      'CHAIN_INVALID',
      'HOSTNAME_MISMATCH',
      'STARTTLS_MISSING',
      'TLS_POLICY_VIOLATED',
      'POLICY_MISMATCH',
      'UNEXPECTED_ISSUER',
      'CT_LOG_INCONSISTENT',
    ]);
  });

  it('derives severity, subject and text from the type and the facts', () => {
    // Act
    const notice = createNotice({
      type: 'PROBE_FAILING',
      dedupeKey: 'PROBE_FAILING#smtp://mx.example:25#v7',
      target: 'smtp://mx.example:25',
      hosts: ['mx.example', 'mx.example'],
      at: new Date('2025-03-01T00:00:00Z'),
      facts: {
        consecutiveFailures: 3,
        failures: [{ address: '192.0.2.1', keyType: 'rsa', code: 'CONNECT_TIMEOUT', message: 'no answer in 10000 ms' }],
      },
    });

    // Assess
    expect(notice).toMatchObject({
      severity: 'warning',
      hosts: ['mx.example'],
      at: '2025-03-01T00:00:00.000Z',
      subject: 'certwatch warning: probes of mx.example:25 failing for 3 cycles',
    });
    expect(notice.text).toContain('192.0.2.1 rsa: CONNECT_TIMEOUT no answer in 10000 ms');
  });

  it('makes any string a valid SNS subject: one line, printable ASCII, at most 100 characters', () => {
    // Act
    const subject = toSubject(`certwatch info: ${'é'.repeat(10)}\nsecond line ${'x'.repeat(200)}`);

    // Assess
    expect(subject.length).toBe(MAX_SUBJECT_LENGTH);
    expect(subject).toMatch(/^certwatch info: \?{10} second line x+\.\.\.$/);
  });

  it('gives a baseline the same dedupe key whatever the order of its targets', () => {
    // Act
    const a = baselineKey(['smtp://b:25', 'smtp://a:25']);
    const b = baselineKey(['smtp://a:25', 'smtp://b:25']);

    // Assess
    expect(a).toBe(b);
    expect(a).toMatch(/^BASELINE#[0-9a-f]{32}$/);
    expect(baselineKey(['smtp://a:25'])).not.toBe(a);
  });

  it('prints a notice on the console publisher with its severity, type, target and text', async () => {
    // Prepare
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const publisher = new ConsolePublisher(out);

    // Act
    const receipt = await publisher.publish(createTestNotice(new Date('2025-03-01T00:00:00Z'), 'hello subscribers'));

    // Assess
    expect(receipt).toEqual({ messageId: 'console-1' });
    expect(printed).toBe('INFO TEST\n    hello subscribers\n');
  });
});
