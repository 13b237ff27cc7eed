/**
 * The seed corpus of the certificate campaign: Google's real chains, leaves and roots (as served over
 * the years) and the generated fuzz PKI whose CA keys let mutated certificates be signed again, so
 * that mutations also reach the checks behind a valid signature.
 */
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import { encodeDer, oidNode } from './der-tree';

const FIXTURES = join(__dirname, '..', 'fixtures');
const CORPUS = join(FIXTURES, 'fuzz', 'corpus');

/** One seed chain (leaf first) with the instant and name it is judged at. */
export interface Seed {
  name: string;
  chain: Buffer[];
  at: Date;
  servername: string;
  /**
   * For generated chains: the key that signed certificate i. Parsed once: after `checkHost` meets a SAN
   * OpenSSL cannot decode, Node leaves an error queued that makes the next PEM key parse fail.
   */
  issuerKeys?: Array<KeyObject | undefined>;
}

const pems = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.pem'))
    .sort()
    .map((f) => ({ file: f, ders: pemToDerList(readFileSync(join(dir, f), 'utf8')) }));

function judgedAt(leaf: Buffer): { at: Date; servername: string } {
  const cert = Certificate.fromDer(leaf);
  const at = new Date((cert.notBefore.getTime() + cert.notAfter.getTime()) / 2);
  const first = cert.toModel().sans[0] ?? 'mx.test.example';
  return { at, servername: first.replace(/^\*\./, 'www.') };
}

/** The generated fuzz root (trusted in every campaign, with Node's roots). */
export function fuzzRootDer(): Buffer {
  return pemToDerList(readFileSync(join(CORPUS, 'root.pem'), 'utf8'))[0];
}

/** Every seed, in a fixed order. */
export function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const { file, ders } of pems(join(FIXTURES, 'google', 'chains'))) {
    seeds.push({ name: `google/chains/${file}`, chain: ders, ...judgedAt(ders[0]) });
  }
  for (const dir of ['leaves', 'intermediates', 'roots']) {
    for (const { file, ders } of pems(join(FIXTURES, 'google', dir))) {
      seeds.push({ name: `google/${dir}/${file}`, chain: ders, ...judgedAt(ders[0]) });
    }
  }
  const read = (name: string) => readFileSync(join(CORPUS, name), 'utf8');
  const intermediate = pemToDerList(read('intermediate.pem'))[0];
  const [rootKey, intermediateKey] = [
    createPrivateKey(read('root.key.pem')),
    createPrivateKey(read('intermediate.key.pem')),
  ];
  for (const leafFile of ['leaf-ecdsa.pem', 'leaf-rsa.pem']) {
    const leaf = pemToDerList(read(leafFile))[0];
    seeds.push({
      name: `fuzz/corpus/${leafFile}`,
      chain: [leaf, intermediate],
      at: new Date('2030-01-01T00:00:00Z'),
      servername: 'fuzz.test.example',
      issuerKeys: [intermediateKey, rootKey],
    });
  }
  return seeds;
}

/** A certificate from a (mutated) tbsCertificate, signed sha256WithRSAEncryption by `key`. */
export function signTbs(tbs: Buffer, key: KeyObject): Buffer {
  const signature = sign('sha256', tbs, key);
  const algorithm = encodeDer({
    tag: Buffer.from([0x30]),
    content: Buffer.concat([encodeDer(oidNode('1.2.840.113549.1.1.11')), Buffer.from([0x05, 0x00])]),
  });
  const bits = encodeDer({ tag: Buffer.from([0x03]), content: Buffer.concat([Buffer.from([0]), signature]) });
  return encodeDer({ tag: Buffer.from([0x30]), content: Buffer.concat([tbs, algorithm, bits]) });
}
