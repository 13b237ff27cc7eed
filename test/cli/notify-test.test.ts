import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { TEST_NOTICE_MESSAGE } from '../../lambdas/cli/notify-test-command';
import { cli as certwatch } from '../support/cli';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:certwatch-notices';

describe('certwatch notify-test through the terminal publisher (real)', () => {
  it('prints one clearly marked TEST notice and says where it went', async () => {
    // Act
    const { code, stdout, stderr } = await certwatch(['notify-test']);

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('INFO TEST');
    expect(lines[1]).toBe(`    ${TEST_NOTICE_MESSAGE}`);
    expect(stdout).toMatch(/Sent by certwatch notify-test on \S+ at \d{4}-\d\d-\d\dT/);
    expect(stdout).toContain('This is not a certificate event');
    expect(stdout.trimEnd().endsWith('TEST notice printed above (no --topic-arn: terminal publisher).')).toBe(true);
  });
});

describe('certwatch notify-test to SNS (aws-sdk-client-mock)', () => {
  const sns = mockClient(SNSClient);

  beforeEach(() => {
    sns.reset();
  });

  it('publishes a TEST notice with type and severity attributes and prints the message id', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'msg-42' });

    // Act
    const { code, stdout, stderr } = await certwatch(['notify-test', '--topic-arn', TOPIC]);

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`TEST notice published to ${TOPIC} (MessageId msg-42).\n`);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe(`certwatch info: ${TEST_NOTICE_MESSAGE}`);
    expect(input.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'TEST' },
      severity: { DataType: 'String', StringValue: 'info' },
      dedupeKey: { DataType: 'String', StringValue: expect.stringMatching(/^TEST#\d{4}-\d{2}-\d{2}T/) },
    });
    const message = JSON.parse(input.Message as string) as { default: string; email: string };
    expect(JSON.parse(message.default)).toMatchObject({ type: 'TEST', facts: { message: TEST_NOTICE_MESSAGE } });
    expect(message.email).toContain('Sent by certwatch notify-test on');
  });

  it('exits 1 naming the topic when SNS refuses the message', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AuthorizationError' }));

    // Act
    const { code, stdout, stderr } = await certwatch(['notify-test', '--topic-arn', TOPIC]);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`certwatch: cannot publish TEST to ${TOPIC}: AuthorizationError: User is not authorized\n`);
  });

  it('exits 2 on a malformed topic ARN without calling SNS', async () => {
    // Act
    const { code, stderr } = await certwatch(['notify-test', '--topic-arn', 'certwatch-notices']);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      'certwatch: --topic-arn: "certwatch-notices" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)\n',
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
