/**
 * Writes the generated part of the certificate seed corpus to `test/fixtures/fuzz/corpus/` (run once;
 * the files are committed so that every campaign is reproducible from its seed alone):
 * an RSA root and intermediate (PKCS#1 v1.5 signatures are deterministic, so mutated certificates can be
 * signed again identically), an ECDSA and an RSA leaf, and the two CA keys (test-only keys).
 *
 *   npx tsx test/fuzz/make-corpus.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRoot, issue } from '../support/pki';

/** Where the corpus lives. */
export const CORPUS_DIR = join(__dirname, '..', 'fixtures', 'fuzz', 'corpus');

async function main(): Promise<void> {
  const notBefore = new Date('2024-01-01T00:00:00Z');
  const notAfter = new Date('2044-01-01T00:00:00Z');
  const root = await createRoot({ name: 'Fuzz Root', keyType: 'rsa', notBefore, notAfter });
  const intermediate = await issue(root, {
    name: 'Fuzz Intermediate',
    isCa: true,
    keyType: 'rsa',
    notBefore,
    notAfter,
  });
  const sans = ['fuzz.test.example', '*.fuzz.test.example', '127.0.0.1', '::1'];
  const leafNotAfter = new Date('2034-01-01T00:00:00Z');
  const ecdsa = await issue(intermediate, { name: sans[0], sans, keyType: 'ecdsa', notBefore, notAfter: leafNotAfter });
  const rsa = await issue(intermediate, { name: sans[0], sans, keyType: 'rsa', notBefore, notAfter: leafNotAfter });
  mkdirSync(CORPUS_DIR, { recursive: true });
  const files: Record<string, string> = {
    'root.pem': root.certPem,
    'root.key.pem': root.keyPem,
    'intermediate.pem': intermediate.certPem,
    'intermediate.key.pem': intermediate.keyPem,
    'leaf-ecdsa.pem': ecdsa.certPem,
    'leaf-rsa.pem': rsa.certPem,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(CORPUS_DIR, name), text);
  process.stdout.write(`wrote ${Object.keys(files).length} files to ${CORPUS_DIR}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
