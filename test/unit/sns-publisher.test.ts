import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createNotice, type Notice } from '../../lambdas/core/notice';
import { NotifyError } from '../../lambdas/notify/errors';
import { SnsPublisher, toPublishInput, topicRegion } from '../../lambdas/notify/sns-publisher';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:certwatch';

function expiryNotice(host = 'smtp.gmail.com', target = 'smtp://smtp.gmail.com:587'): Notice {
  return createNotice({
    type: 'EXPIRY_WARNING',
    dedupeKey: `EXPIRY_WARNING#${target}#abc#7`,
    target,
    hosts: [host],
    at: new Date('2025-03-01T00:00:00Z'),
    facts: {
      keyType: 'ecdsa',
      thresholdDays: 7,
      addresses: ['192.0.2.1'],
      cert: {
        sha256: 'ab'.repeat(32),
        role: 'leaf',
        subject: `CN=${host}`,
        issuer: 'C=US, O=Google Trust Services, CN=WE2',
        serial: '01',
        notBefore: '2025-01-01T00:00:00.000Z',
        notAfter: '2025-03-07T12:00:00.000Z',
        daysLeft: 6.5,
        keyAlgorithm: 'ECDSA P-256',
        spkiSha256: 'pin',
        sans: [host],
      },
    },
  });
}

describe('SnsPublisher at the SDK boundary (aws-sdk-client-mock)', () => {
  const sns = mockClient(SNSClient);

  beforeEach(() => {
    sns.reset();
  });

  it('publishes subject, type/severity/host attributes and the JSON body, with the text for e-mail', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
    const notice = expiryNotice();
    const publisher = new SnsPublisher({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-west-1' }) });

    // Act
    const receipt = await publisher.publish(notice);

    // Assess
    expect(receipt).toEqual({ messageId: 'msg-1' });
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      Subject: 'certwatch warning: ecdsa certificate on smtp.gmail.com:587 expires in 6 days',
      MessageStructure: 'json',
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'EXPIRY_WARNING' },
        severity: { DataType: 'String', StringValue: 'warning' },
        host: { DataType: 'String.Array', StringValue: '["smtp.gmail.com"]' },
        dedupeKey: { DataType: 'String', StringValue: notice.dedupeKey },
      },
    });
    expect(input.MessageGroupId).toBeUndefined();
    const message = JSON.parse(input.Message ?? '{}');
    expect(JSON.parse(message.default)).toEqual(notice);
    expect(message.email).toBe(notice.text);
    expect(message.email).toContain('crossed the 7-day threshold');
  });

  it('keeps the subject within 100 printable ASCII characters for a very long host name', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'msg-2' });
    const host = `${'very-long-label.'.repeat(12)}example`;
    const publisher = new SnsPublisher({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-west-1' }) });

    // Act
    await publisher.publish(expiryNotice(host, `smtp://${host}:25`));

    // Assess
    const subject = sns.commandCalls(PublishCommand)[0].args[0].input.Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+\.\.\.$/);
  });

  it('sends one host or several as a String.Array attribute and omits host when there is none', () => {
    // Prepare
    const many = { ...expiryNotice(), hosts: ['a.example', 'b.example'] };
    const none = { ...expiryNotice(), hosts: [] };

    // Act
    const manyInput = toPublishInput(many, TOPIC);
    const noneInput = toPublishInput(none, TOPIC);

    // Assess
    expect(manyInput.MessageAttributes?.host).toEqual({
      DataType: 'String.Array',
      StringValue: '["a.example","b.example"]',
    });
    expect(noneInput.MessageAttributes?.host).toBeUndefined();
  });

  it('uses the dedupe key as deduplication id on a FIFO topic', () => {
    // Act
    const input = toPublishInput(expiryNotice(), `${TOPIC}.fifo`);

    // Assess
    expect(input.MessageGroupId).toBe('smtp://smtp.gmail.com:587');
    expect(input.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('turns an SDK failure into NotifyError PUBLISH_FAILED with the cause kept', async () => {
    // Prepare
    const failure = Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });
    sns.on(PublishCommand).rejects(failure);
    const publisher = new SnsPublisher({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-west-1' }) });

    // Act
    const attempt = publisher.publish(expiryNotice());

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NotifyError);
    await expect(attempt).rejects.toMatchObject({ code: 'PUBLISH_FAILED', cause: failure });
    await expect(attempt).rejects.toThrow(/ThrottledException: Rate exceeded/);
  });

  it('rejects a malformed topic ARN with TOPIC_ARN_INVALID and reads the region of a good one', () => {
    // Act
    const act = () => new SnsPublisher({ topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' });

    // Assess
    expect(act).toThrow(NotifyError);
    expect(act).toThrow(/not an SNS topic ARN/);
    expect(topicRegion(TOPIC)).toBe('eu-west-1');
  });
});

describe("a notice type's own SNS attributes (the registry stubbed with jest.doMock to give one type some)", () => {
  afterEach(() => {
    jest.resetModules();
    jest.dontMock('../../lambdas/core/notices/registry');
  });

  it('adds them as String or String.Array, never replacing type, severity, dedupeKey or host', () => {
    // Prepare
    jest.doMock('../../lambdas/core/notices/registry', () => {
      const actual = jest.requireActual('../../lambdas/core/notices/registry');
      return {
        ...actual,
        noticeKind: (type: string) =>
          type === 'EXPIRY_WARNING'
            ? {
                ...actual.noticeKind(type),
                attributes: () => ({ log: 'argon2026h1', serials: ['01', '02'], type: 'OTHER', host: 'x' }),
              }
            : actual.noticeKind(type),
      };
    });
    let input: ReturnType<typeof toPublishInput> | undefined;
    let other: ReturnType<typeof toPublishInput> | undefined;
    jest.isolateModules(() => {
      const publisher =
        require('../../lambdas/notify/sns-publisher') as typeof import('../../lambdas/notify/sns-publisher');
      input = publisher.toPublishInput(expiryNotice(), TOPIC);
      other = publisher.toPublishInput({ ...expiryNotice(), type: 'EXPIRED' }, TOPIC);
    });

    // Assess
    expect(input?.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'EXPIRY_WARNING' },
      severity: { DataType: 'String', StringValue: 'warning' },
      dedupeKey: { DataType: 'String', StringValue: expiryNotice().dedupeKey },
      host: { DataType: 'String.Array', StringValue: '["smtp.gmail.com"]' },
      log: { DataType: 'String', StringValue: 'argon2026h1' },
      serials: { DataType: 'String.Array', StringValue: '["01","02"]' },
    });
    expect(Object.keys(other?.MessageAttributes ?? {}).sort()).toEqual(['dedupeKey', 'host', 'severity', 'type']);
  });

  it('publishes a notice of a type this build does not know with the common attributes only', () => {
    // Act
    const input = toPublishInput({ ...expiryNotice(), type: 'FROM_A_NEWER_RELEASE' as never }, TOPIC);

    // Assess
    expect(Object.keys(input.MessageAttributes ?? {}).sort()).toEqual(['dedupeKey', 'host', 'severity', 'type']);
  });
});
