/** Standard input for commands that read a document from it (`inspect -`). */
import { UsageError } from '../cli-io';

/** Largest input `inspect` reads: 16 certificates of 64 KiB, PEM-encoded, plus surrounding text. */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/** Reads standard input up to the size limit. */
export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > MAX_INPUT_BYTES) throw new UsageError(`stdin: larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
