/**
 * `certwatch notify-test`: publishes one clearly marked TEST notice through the configured publisher
 * (the SNS topic given, else the terminal), so a subscriber can prove the path end to end.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { Notice } from '../core/notice';
import type { NoticePublisher } from '../core/ports';
import { ConsolePublisher } from '../notify/console-publisher';
import { snsPublisherFor } from './cli-adapters';
import { type CliRun, EXIT } from './cli-io';

/** The title every test notice carries (also its SNS subject, after `certwatch info: `). */
export const TEST_NOTICE_MESSAGE = 'TEST notice from certwatch notify-test: delivery works, no action needed';

/** The TEST notice of `now`, saying where it was sent from. */
export async function notifyTestNotice(now: Date, sender: string): Promise<Notice<'TEST'>> {
  const { createTestNotice } = await import('../core/notice.js');
  const notice = createTestNotice(now, TEST_NOTICE_MESSAGE);
  const lines = [
    `Sent by certwatch notify-test on ${sender} at ${now.toISOString()}.`,
    'This is not a certificate event: it only proves that notices reach you.',
  ];
  return { ...notice, text: [notice.text, ...lines].join('\n') };
}

interface NotifyTestValues {
  topicArn?: string;
}

/** `certwatch notify-test`. */
export function registerNotifyTestCommand(program: Command, run: CliRun): void {
  program
    .command('notify-test')
    .description('publish a clearly marked TEST notice (to the SNS topic, or the terminal) to prove delivery')
    .option('--topic-arn <arn>', 'publish to this SNS topic instead of printing')
    .action(async (values: NotifyTestValues) => {
      const notice = await notifyTestNotice(new Date(), hostname());
      const publisher = await publisherFor(values.topicArn, run);
      // A failed publish is a NotifyError: exit code 1 (lambdas/cli/program.ts).
      const receipt = await publisher.publish(notice);
      if (values.topicArn !== undefined) {
        run.stdout.write(`TEST notice published to ${values.topicArn} (MessageId ${receipt.messageId ?? 'none'}).\n`);
      } else {
        run.stdout.write('TEST notice printed above (no --topic-arn: terminal publisher).\n');
      }
      run.exitCode = EXIT.OK;
    });
}

async function publisherFor(topicArn: string | undefined, run: CliRun): Promise<NoticePublisher> {
  if (topicArn === undefined) return new ConsolePublisher(run.stdout);
  return snsPublisherFor(topicArn);
}
