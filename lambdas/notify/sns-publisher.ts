/**
 * Publishes notices to an SNS topic: Subject ≤ 100 characters, message attributes `type`, `severity`
 * and `host` (always a String.Array) for subscription filter policies, plus any its type adds (docs/notices.md),
 * the JSON body for machines and the text for e-mail.
 */
import { createHash } from 'node:crypto';
import type { MessageAttributeValue, PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { AWS_REQUEST_TIMEOUTS } from '../aws/aws-timeouts';
import { isNoticeType, type Notice, noticeKind } from '../core/notice';
import { toSubject } from '../core/notices/text';
import type { NoticePublisher, PublishReceipt } from '../core/ports';
import { NotifyError } from './errors';

/** SNS refuses messages over 256 KiB; keep a margin for the envelope. */
const MAX_MESSAGE_BYTES = 250 * 1024;

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * Checks a topic ARN and returns its region.
 * @throws NotifyError TOPIC_ARN_INVALID
 */
export function topicRegion(topicArn: string): string {
  const match = TOPIC_ARN.exec(topicArn);
  if (!match) {
    throw new NotifyError(
      'TOPIC_ARN_INVALID',
      `"${topicArn}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`,
    );
  }
  return match[1];
}

/**
 * The Publish request of a notice. `MessageStructure: json` gives e-mail subscribers the human text
 * (`email`) and every other protocol the JSON body (`default`). On a FIFO topic the dedupe key also
 * becomes SNS's deduplication id.
 */
export function toPublishInput(notice: Notice, topicArn: string): PublishCommandInput {
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: notice.type },
    severity: { DataType: 'String', StringValue: notice.severity },
    // Lets subscribers drop the rare second delivery (a crash after SNS accepted, before mark-sent).
    dedupeKey: { DataType: 'String', StringValue: notice.dedupeKey },
  };
  // Always String.Array (one host or several): one filter policy `"host": ["smtp.gmail.com"]` matches any
  // element, whether the notice is about one target or a leaf several targets share.
  if (notice.hosts.length > 0)
    attributes.host = { DataType: 'String.Array', StringValue: JSON.stringify(notice.hosts) };
  for (const [name, value] of Object.entries(typeAttributes(notice))) {
    if (name in attributes || name === 'host') continue;
    attributes[name] = Array.isArray(value)
      ? { DataType: 'String.Array', StringValue: JSON.stringify(value) }
      : { DataType: 'String', StringValue: value };
  }
  let body = JSON.stringify(notice);
  if (Buffer.byteLength(body) + Buffer.byteLength(notice.text) > MAX_MESSAGE_BYTES) {
    body = JSON.stringify({ ...notice, facts: { truncated: true, reason: 'facts exceed the SNS message size' } });
  }
  const text = notice.text.length > 100_000 ? `${notice.text.slice(0, 100_000)}\n...` : notice.text;
  const input: PublishCommandInput = {
    TopicArn: topicArn,
    Subject: toSubject(notice.subject),
    MessageStructure: 'json',
    Message: JSON.stringify({ default: body, email: text, sms: toSubject(notice.subject) }),
    MessageAttributes: attributes,
  };
  if (topicArn.endsWith('.fifo')) {
    input.MessageGroupId = notice.target ?? 'certwatch';
    input.MessageDeduplicationId = createHash('sha256').update(notice.dedupeKey).digest('hex');
  }
  return input;
}

/**
 * The attributes a notice's type adds (its catalogue module's `attributes`); none for a type this build
 * does not know (a notice left in the outbox by another version is still published).
 */
function typeAttributes(notice: Notice): Readonly<Record<string, string | string[]>> {
  return isNoticeType(notice.type) ? (noticeKind(notice.type).attributes?.(notice) ?? {}) : {};
}

/** Options of {@link SnsPublisher}. */
export interface SnsPublisherOptions {
  topicArn: string;
  /** Default: a client in the topic's region with the standard credential chain. */
  client?: SNSClient;
}

type Sdk = typeof import('@aws-sdk/client-sns');

/**
 * {@link NoticePublisher} on an SNS topic. The AWS SDK's SNS client is made (and its module loaded) at the
 * first publish: most invocations publish nothing (a shard never does), and module init is budgeted
 * (docs/performance.md).
 */
export class SnsPublisher implements NoticePublisher {
  readonly topicArn: string;
  private readonly region: string;
  private client: SNSClient | undefined;

  constructor(options: SnsPublisherOptions) {
    this.region = topicRegion(options.topicArn);
    this.topicArn = options.topicArn;
    this.client = options.client;
  }

  async publish(notice: Notice): Promise<PublishReceipt> {
    try {
      const sdk = require('@aws-sdk/client-sns') as Sdk;
      this.client ??= new sdk.SNSClient({ region: this.region, requestHandler: { ...AWS_REQUEST_TIMEOUTS } });
      const { MessageId } = await this.client.send(new sdk.PublishCommand(toPublishInput(notice, this.topicArn)));
      return { messageId: MessageId ?? null };
    } catch (cause) {
      const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      throw new NotifyError('PUBLISH_FAILED', `cannot publish ${notice.type} to ${this.topicArn}: ${message}`, {
        cause,
      });
    }
  }
}
