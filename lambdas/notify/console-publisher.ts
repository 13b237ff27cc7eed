/**
 * Prints notices to a stream, for local runs (`certwatch check` without `--topic-arn`).
 */
import type { Notice } from '../core/notice';
import type { NoticePublisher, PublishReceipt } from '../core/ports';

const BADGE = { info: 'INFO', warning: 'WARNING', critical: 'CRITICAL' } as const;

/** {@link NoticePublisher} that writes each notice as a short block of text. */
export class ConsolePublisher implements NoticePublisher {
  private count = 0;

  constructor(private readonly out: NodeJS.WritableStream) {}

  async publish(notice: Notice): Promise<PublishReceipt> {
    this.count += 1;
    const body = notice.text
      .split('\n')
      .slice(1)
      .map((line) => `    ${line}`);
    const head = `${BADGE[notice.severity]} ${notice.type}${notice.target ? ` ${notice.target}` : ''}`;
    this.out.write([head, `    ${notice.text.split('\n')[0]}`, ...body, ''].join('\n'));
    return { messageId: `console-${this.count}` };
  }
}
