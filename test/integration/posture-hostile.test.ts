/**
 * Misbehaving servers never make the enumeration hang, crash or report a posture it did not see:
 * each ends as an incomplete entry with a stable error code.
 */
import type { Socket } from 'node:net';
import type { PostureFailureCode } from '../../lambdas/core/posture/posture';
import { enumerateEndpoint } from '../../lambdas/probe/posture/endpoint-enumeration';
import { hostile, lineServer, type ScriptedServer, startScriptedServer } from '../support/hostile-servers';

const EHLO = '250-hostile.test\r\n250 STARTTLS\r\n';

/** SMTP up to STARTTLS, then `afterHello` with the first bytes of the ClientHello. */
function afterStartTls(afterHello: (socket: Socket) => void) {
  return lineServer('220 hostile.test ESMTP\r\n', (line, socket) => {
    if (/^EHLO/i.test(line)) return EHLO;
    if (/^STARTTLS/i.test(line)) {
      socket.write('220 go ahead\r\n');
      socket.once('data', () => afterHello(socket));
    }
    return undefined;
  });
}

/** A TLS 1.2 ServerHello choosing `suite`, whatever was offered. */
function serverHello(suite: number): Buffer {
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0, suite >> 8, suite & 0xff, 0])]);
  const message = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
  return Buffer.concat([Buffer.from([22, 3, 3, 0, message.length]), message]);
}

describe('posture enumeration against hostile servers', () => {
  const servers: ScriptedServer[] = [];
  const settings = { timeoutMs: 400, handshakeBudget: 60, pauseMs: 0, rawHello: true };

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it.each<[string, (socket: Socket) => void, PostureFailureCode, RegExp]>([
    [
      'never answers the ClientHello',
      afterStartTls(() => undefined),
      'TIMEOUT',
      /no answer to the TLSv1.3 ClientHello/,
    ],
    ['hangs up on every ClientHello', hostile.resetMidHandshake(), 'TLS_HANDSHAKE_FAILED', /hung up on every/],
    ['answers with something that is not TLS', hostile.garbageTls(), 'POSTURE_INCONSISTENT', /not a TLS record/],
    [
      'chooses a suite that was not offered',
      // TLS_NULL_WITH_NULL_NULL: never negotiable, so never offered.
      afterStartTls((socket) => socket.write(serverHello(0x0000))),
      'POSTURE_INCONSISTENT',
      /chose suite 0x0000, which was not offered/,
    ],
    ['refuses STARTTLS', hostile.starttls454(), 'STARTTLS_REFUSED', /454/],
  ])('stops with a classified error when the server %s', async (_what, script, code, message) => {
    // Prepare
    const server = await startScriptedServer(script);
    servers.push(server);

    // Act
    const result = await enumerateEndpoint(
      { host: 'hostile.test', port: server.port, mode: 'starttls', address: '127.0.0.1' },
      settings,
    );

    // Assess
    expect(result.error?.code).toBe(code);
    expect(result.error?.message).toMatch(message);
    expect(Object.values(result.versions).every((v) => !v.accepted)).toBe(true);
  });
});
