/**
 * A child process that serves N loopback SMTP endpoints (dual RSA + ECDSA), so the benchmark's prober
 * and the servers do not share one event loop. Prints `{"ports":[...], "rootsPem": "..."}` on stdout,
 * then serves until stdin closes.
 */
import { createChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 500);
  const [rsa, ecdsa] = await Promise.all([
    createChain({ keyType: 'rsa', hostnames: ['mx.bench.example'] }),
    createChain({ keyType: 'ecdsa', hostnames: ['mx.bench.example'] }),
  ]);
  const certs = [
    { keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem },
    { keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem },
  ];
  const servers: SmtpTestServer[] = [];
  for (let i = 0; i < count; i++) servers.push(await startSmtpTestServer({ certs }));
  process.stdout.write(
    `${JSON.stringify({ ports: servers.map((s) => s.port), rootsPem: rsa.root.certPem + ecdsa.root.certPem })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await Promise.all(servers.map((s) => s.close()));
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
