/**
 * Generated PKI for tests and the demo: roots, intermediates and leaves for RSA and ECDSA, with any
 * validity window. Keys come from Node's WebCrypto; certificates from @peculiar/x509 (a devDependency:
 * tests and the demo only).
 */
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { KeyType } from '../../lambdas/core/observation';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const DAY = 86_400_000;

/** A generated certificate with its private key. */
export interface Issued {
  name: string;
  keyType: KeyType;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  /** PEM of the certificate alone. */
  certPem: string;
  /** DER of the certificate. */
  der: Buffer;
  /** PKCS#8 PEM of the private key (what Node's TLS server wants). */
  keyPem: string;
  /** SHA-256 of the DER, lowercase hex. */
  sha256: string;
}

/** Options for one certificate. */
export interface IssueOptions {
  keyType?: KeyType;
  /** Common name; also the only SAN of a leaf unless `sans` is given. */
  name: string;
  sans?: string[];
  isCa?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Reuse a key pair (for same-key renewals and cross-signs). */
  keys?: CryptoKeyPair;
}

function algorithm(keyType: KeyType): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return keyType === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: 'P-256' };
}

function signing(keyType: KeyType): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return keyType === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' };
}

/** Generates a key pair of the given type. */
export async function generateKeys(keyType: KeyType): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm(keyType), true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function finish(name: string, keyType: KeyType, cert: x509.X509Certificate, keys: CryptoKeyPair) {
  const der = Buffer.from(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  return {
    name,
    keyType,
    cert,
    keys,
    certPem: `${cert.toString('pem')}\n`,
    der,
    keyPem,
    sha256: createHash('sha256').update(der).digest('hex'),
  } satisfies Issued;
}

function caExtensions(isCa: boolean): x509.Extension[] {
  return isCa
    ? [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ]
    : [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ];
}

/** A self-signed root CA. */
export async function createRoot(options: IssueOptions): Promise<Issued> {
  const keyType = options.keyType ?? 'ecdsa';
  const keys = options.keys ?? (await generateKeys(keyType));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${options.name}, O=certwatch tests`,
    keys,
    notBefore: options.notBefore ?? new Date(Date.now() - 365 * DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 10 * 365 * DAY),
    signingAlgorithm: signing(keyType),
    extensions: [...caExtensions(true), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  return finish(options.name, keyType, cert, keys);
}

/** A certificate issued by `issuer` (an intermediate when `isCa`, else a server leaf). */
export async function issue(issuer: Issued, options: IssueOptions): Promise<Issued> {
  const keyType = options.keyType ?? issuer.keyType;
  const keys = options.keys ?? (await generateKeys(keyType));
  const isCa = options.isCa ?? false;
  const extensions = [
    ...caExtensions(isCa),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
  ];
  if (!isCa) {
    const sans = options.sans ?? [options.name];
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        sans.map((s) => (/^[\d.]+$|:/.test(s) ? { type: 'ip', value: s } : { type: 'dns', value: s })),
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject: isCa ? `CN=${options.name}, O=certwatch tests` : `CN=${options.name}`,
    issuer: issuer.cert.subject,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 90 * DAY),
    signingAlgorithm: signing(issuer.keyType),
    extensions,
  });
  return finish(options.name, keyType, cert, keys);
}

/** root → intermediate → leaf of one key type. */
export interface TestChain {
  root: Issued;
  intermediate: Issued;
  leaf: Issued;
  /** leaf + intermediate PEM, the usual server chain file. */
  chainPem: string;
}

/** Builds a three-level chain. Leaf validity and names can be chosen; CAs are long-lived. */
export async function createChain(options: {
  keyType: KeyType;
  hostnames: string[];
  root?: Issued;
  intermediate?: Issued;
  notBefore?: Date;
  notAfter?: Date;
  tag?: string;
}): Promise<TestChain> {
  const tag = options.tag ?? options.keyType;
  const root = options.root ?? (await createRoot({ name: `Test Root ${tag}`, keyType: options.keyType }));
  const intermediate =
    options.intermediate ??
    (await issue(root, { name: `Test Intermediate ${tag}`, isCa: true, keyType: options.keyType }));
  const leaf = await issue(intermediate, {
    name: options.hostnames[0],
    sans: options.hostnames,
    keyType: options.keyType,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
  });
  return { root, intermediate, leaf, chainPem: leaf.certPem + intermediate.certPem };
}
