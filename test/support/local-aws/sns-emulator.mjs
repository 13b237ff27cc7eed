/**
 * The loopback SNS endpoint of the executed run: the fauxqs emulator (npm fauxqs, SNS+SQS), started on a
 * random port of 127.0.0.1. It prints `{ port }` as one line, then answers each line on standard input
 * with one JSON line: `topic NAME` creates a topic (`{ topicArn }`), `messages ARN` lists what was
 * published to it. It stops when standard input closes. A process of its own: fauxqs is an ES module.
 */
import { createInterface } from 'node:readline';
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false, messageSpies: { bufferSize: 100_000 } });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, argument] = line.trim().split(' ');
  if (command === 'topic') {
    process.stdout.write(`${JSON.stringify({ topicArn: server.createTopic(argument).topicArn })}\n`);
  } else if (command === 'messages') {
    const published = server.spy
      .getAllMessages()
      .filter((m) => m.service === 'sns' && m.status === 'published' && m.topicArn === argument)
      .map((m) => ({ messageId: m.messageId, body: m.body, attributes: m.messageAttributes }));
    process.stdout.write(`${JSON.stringify(published)}\n`);
  }
});
lines.on('close', async () => {
  await server.stop();
  process.exit(0);
});
