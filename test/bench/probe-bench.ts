/**
 * Probe overhead on loopback: certwatch's probe vs a bare Node STARTTLS+handshake script (the floor)
 * vs Google's `openssl s_client -starttls smtp` recipe. Budget (docs/performance.md): ≤ 1.5× the floor and
 * ≥ 10× faster than the openssl recipe.
 */
import { spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { createChain } from '../support/pki';
import { startSmtpTestServer } from '../support/smtp-test-server';

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

/** The floor: the least a Node program must do to see a certificate over STARTTLS. */
function bareStartTls(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = netConnect(port, '127.0.0.1');
    let buffer = '';
    let step = 0;
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      if (!/(^|\n)\d{3} [^\n]*\n$/.test(buffer)) return;
      buffer = '';
      if (step === 0) socket.write('EHLO bench.example\r\n');
      else if (step === 1) socket.write('STARTTLS\r\n');
      else if (step === 2) {
        socket.removeAllListeners('data');
        const tls = tlsConnect({ socket, servername: 'mx.test.example', rejectUnauthorized: false });
        tls.on('error', reject);
        tls.once('secureConnect', () => {
          tls.getPeerX509Certificate();
          tls.end('QUIT\r\n');
          resolve();
        });
      }
      step++;
    });
  });
}

function opensslRecipe(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-showcerts'], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

/** Runs the probe benchmark and returns its figures. */
export async function runProbeBench(): Promise<Record<string, number>> {
  const chain = await createChain({ keyType: 'ecdsa', hostnames: ['mx.test.example'] });
  const server = await startSmtpTestServer({ certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }] });
  try {
    const targets = parseTargets([`smtp://mx.test.example:${server.port}`]);
    const options = {
      ...DEFAULT_PROBE_OPTIONS,
      keyTypes: ['ecdsa' as const],
      resolve: [{ host: 'mx.test.example', port: server.port, addresses: ['127.0.0.1'] }],
      extraAnchorsDer: [chain.root.der],
    };
    const prober = new SmtpProber();
    const probeOnce = async () => {
      const [o] = await prober.probe(targets, options);
      if (!o.ok || !o.validation?.trusted) throw new Error(`bench probe failed: ${JSON.stringify(o.error)}`);
    };
    // Warm-up: JIT, trust store, first handshake.
    await time(20, probeOnce);
    await time(20, () => bareStartTls(server.port));
    const runs = 200;
    // Interleave rounds so drift on a shared machine hits both sides alike.
    const floor: number[] = [];
    const certwatch: number[] = [];
    for (let round = 0; round < 4; round++) {
      floor.push(...(await time(runs / 4, () => bareStartTls(server.port))));
      certwatch.push(...(await time(runs / 4, probeOnce)));
    }
    const openssl = await time(30, () => opensslRecipe(server.port));
    const figures = {
      floorMs: median(floor),
      certwatchMs: median(certwatch),
      opensslMs: median(openssl),
    };
    return {
      ...figures,
      ratioToFloor: figures.certwatchMs / figures.floorMs,
      speedupVsOpenssl: figures.opensslMs / figures.certwatchMs,
    };
  } finally {
    await server.close();
  }
}
