/**
 * A fault proxy in front of the embedded DynamoDB engine: an HTTP proxy on loopback that forwards
 * every request, counts them, and fails the armed one (or every one from it on) the way DynamoDB and
 * networks fail — throttling, 5xx, a response that never comes, a connection reset before or after the
 * engine applied the write. The SDK client under test talks to it unchanged, so its own retries run.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The failures the proxy can inject. */
export const DYNAMO_FAULT_KINDS = [
  'throughput',
  'throttling',
  'server-error',
  'timeout',
  'reset',
  'reset-after-apply',
] as const;
/** One of {@link DYNAMO_FAULT_KINDS}. */
export type DynamoFaultKind = (typeof DYNAMO_FAULT_KINDS)[number];

/** `once` fails one request (the SDK may retry it); `persistent` fails it and every later one. */
export type FaultMode = 'once' | 'persistent';

/** The armed fault. */
export interface FaultPlan {
  index: number;
  kind: DynamoFaultKind;
  mode: FaultMode;
}

/** A running proxy. */
export interface FaultProxy {
  endpoint: string;
  /** Operations seen since the last `arm`, in arrival order (e.g. `PutItem`). */
  readonly seen: readonly string[];
  /** Faults injected since the last `arm`. */
  readonly injected: number;
  arm(plan: FaultPlan | null): void;
  close(): Promise<void>;
}

const ERRORS: Record<'throughput' | 'throttling' | 'server-error', { status: number; type: string; message: string }> =
  {
    throughput: {
      status: 400,
      type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
    },
    throttling: {
      status: 400,
      type: 'com.amazon.coral.availability#ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput (injected)',
    },
    'server-error': {
      status: 500,
      type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
      message: 'Internal server error (injected)',
    },
  };

/** How long a withheld response is held, by default, before the proxy lets go of the socket itself. */
const HOLD_MS = 10_000;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(
  upstream: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (res) => {
        readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

/** Starts a proxy to `upstreamEndpoint` (the embedded engine) on a free loopback port. */
export async function startFaultProxy(
  upstreamEndpoint: string,
  options: { holdMs?: number } = {},
): Promise<FaultProxy> {
  const upstream = new URL(upstreamEndpoint);
  let plan: FaultPlan | null = null;
  let seen: string[] = [];
  let injected = 0;
  const held = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const index = seen.length;
    seen.push(String(req.headers['x-amz-target'] ?? 'unknown').replace(/^DynamoDB_\d+\./, ''));
    const fault =
      plan && (index === plan.index || (plan.mode === 'persistent' && index > plan.index)) ? plan.kind : null;
    if (fault) injected += 1;
    if (fault === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault && fault in ERRORS) {
      const error = ERRORS[fault as keyof typeof ERRORS];
      res.writeHead(error.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `fault-${index}`,
      });
      res.end(JSON.stringify({ __type: error.type, message: error.message }));
      return;
    }
    const answer = await forward(upstream, req, body);
    if (fault === 'reset-after-apply') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault === 'timeout') {
      // Applied, and the answer never comes: the client's request timeout decides. Bounded here too.
      const timer = setTimeout(() => {
        held.delete(timer);
        req.socket.destroy();
      }, options.holdMs ?? HOLD_MS);
      held.add(timer);
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get seen() {
      return seen;
    },
    get injected() {
      return injected;
    },
    arm(next) {
      plan = next;
      seen = [];
      injected = 0;
    },
    close() {
      for (const timer of held) clearTimeout(timer);
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
