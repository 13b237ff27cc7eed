/**
 * The port notices leave through: SNS in the cloud, the terminal locally. The outbox decides what is
 * published and when; a publisher only delivers one notice and says whether it worked (by throwing).
 */
import type { Notice } from '../core/notice';

/** Delivers one notice. Throws NotifyError when it could not; the notice then stays pending. */
export interface NoticePublisher {
  publish(notice: Notice): Promise<PublishReceipt>;
}

/** What a delivery returned. */
export interface PublishReceipt {
  /** The transport's id of the message (SNS MessageId), when it has one. */
  messageId: string | null;
}

/** Stable codes of notify errors. */
export type NotifyErrorCode = 'PUBLISH_FAILED' | 'TOPIC_ARN_INVALID';

/** Base class of errors raised while delivering notices. */
export class NotifyError extends Error {
  readonly code: NotifyErrorCode;

  constructor(code: NotifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotifyError';
    this.code = code;
  }
}
