import { PassThrough } from 'node:stream';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { Command, CommanderError } from 'commander';
import { type CliRun, EXIT, UsageError } from '../../lambdas/cli/cli-io';
import { registerNotifyTestCommand, TEST_NOTICE_MESSAGE } from '../../lambdas/cli/notify-test-command';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:certwatch-notices';

/** Runs `certwatch notify-test …` in-process the way bin/certwatch does (usage errors: one line, exit 2). */
async function certwatch(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const run: CliRun = { stdout, stderr, exitCode: EXIT.OK };
  const program = new Command('certwatch').exitOverride().configureOutput({
    writeOut: (t) => stdout.write(t),
    writeErr: (t) => stderr.write(t),
  });
  registerNotifyTestCommand(program, run);
  let code: number;
  try {
    await program.parseAsync(argv, { from: 'user' });
    code = run.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    else if (error instanceof UsageError) {
      stderr.write(`certwatch: ${error.message}\n`);
      code = EXIT.USAGE;
    } else throw error;
  }
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: out, stderr: err };
}

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
