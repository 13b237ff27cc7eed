import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { CoreError } from '../../lambdas/core/errors';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { derToPem, pemToDerList } from '../../lambdas/core/x509/pem';
import { TrustStore } from '../../lambdas/core/x509/trust-store';
import { validateChain } from '../../lambdas/core/x509/validation';
import { googleRootsPath, googleTrustStore, nodeTrustStore, trustStoreNamed } from '../../lambdas/trust/trust-stores';

const run = promisify(execFile);
const FIXTURES = join(__dirname, '../fixtures/google');
const DATA = join(__dirname, '../../lambdas/core/x509/data');
const DAY = 86_400_000;
const read = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');
const load = (...files: string[]) => files.flatMap((f) => pemToDerList(read(f))).map((der) => Certificate.fromDer(der));

/** Real chains as served (leaf first), from the fixtures. */
const CHAINS: Record<string, string[]> = {
  'smtp.gmail.com 2024-10': ['chains/smtp.gmail.com_2024-10_as-served_leaf-WR2-GTSR1xGSR1.pem'],
  'mx.google.com 2021-11': ['chains/mx.google.com_2021-11_as-served_leaf-GTS1C3-GTSR1xGSR1.pem'],
  'smtp.gmail.com 2020-07': ['chains/smtp.gmail.com_2020-07_as-served_leaf-GTS1O1.pem'],
  'smtp.gmail.com 2014-07': ['chains/smtp.gmail.com_2014-07_leaf-GIAG2.pem'],
  '*.google.com 2025-06': ['chains/star.google.com_2025-06_leaf-WE2-GTSR4xGSR1.pem'],
  '*.google.com 2023-10': ['leaves/star.google.com_2023-10_GTS-CA-1C3.pem', 'intermediates/GTS_CA_1C3.pem'],
  '*.google.com 2026-02': ['leaves/star.google.com_2026-02_WR2.pem', 'intermediates/WR2.pem'],
  'www.google.com 2014-03': [
    'leaves/www.google.com_2014-03_GIAG2.pem',
    'intermediates/Google_Internet_Authority_G2_2013.pem',
  ],
  'www.google.com 2018-02': [
    'leaves/www.google.com_2018-02_GIAG3.pem',
    'intermediates/Google_Internet_Authority_G3.pem',
  ],
};

/** Anchor sets: the two built-in stores and single roots. */
const ANCHORS: Record<string, string> = {
  node: rootCertificates.join('\n'),
  google: readFileSync(join(DATA, 'pki-goog-roots.pem'), 'utf8'),
  'GTS Root R1': read('roots/GTS_Root_R1.pem'),
  'GTS Root R1 (2016)': read('roots/GTS_Root_R1_original-2016.pem'),
  'GTS Root R4': read('roots/GTS_Root_R4.pem'),
  'GlobalSign Root CA': read('roots/GlobalSign_Root_CA_R1.pem'),
  'GlobalSign R2': read('roots/GlobalSign_Root_CA_R2.pem'),
  'GeoTrust Global CA': read('roots/GeoTrust_Global_CA.pem'),
};

const store = (name: string) =>
  name === 'node' ? nodeTrustStore() : name === 'google' ? googleTrustStore() : TrustStore.fromPem(ANCHORS[name], name);
const insideValidity = (chain: Certificate[]) => new Date(chain[0].notBefore.getTime() + DAY);
const GTS_R1 = 'C=US, O=Google Trust Services LLC, CN=GTS Root R1';
const GLOBALSIGN_R1 = 'C=BE, O=GlobalSign nv-sa, OU=Root CA, CN=GlobalSign Root CA';

describe('validateChain with real Google chains', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-google-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `openssl verify` with only these anchors, the rest as untrusted, at `at`: the oracle. */
  async function opensslTrusts(chain: Certificate[], anchors: string, at: Date): Promise<boolean> {
    const id = createHash('sha256')
      .update(chain[0].sha256 + anchors)
      .digest('hex')
      .slice(0, 16);
    const files = {
      leaf: join(dir, `${id}-leaf.pem`),
      rest: join(dir, `${id}-rest.pem`),
      ca: join(dir, `${id}-ca.pem`),
    };
    writeFileSync(files.leaf, derToPem(chain[0].der));
    writeFileSync(
      files.rest,
      chain
        .slice(1)
        .map((c) => derToPem(c.der))
        .join(''),
    );
    writeFileSync(files.ca, anchors);
    const args = [
      'verify',
      '-no-CApath',
      '-no-CAstore',
      '-purpose',
      'sslserver',
      '-attime',
      String(Math.floor(at.getTime() / 1000)),
    ];
    const untrusted = chain.length > 1 ? ['-untrusted', files.rest] : [];
    try {
      await run('openssl', [...args, '-CAfile', files.ca, ...untrusted, files.leaf]);
      return true;
    } catch {
      return false;
    }
  }

  const combinations = Object.keys(CHAINS).flatMap((chain) => Object.keys(ANCHORS).map((anchors) => [chain, anchors]));

  test.each(combinations)('%s with anchors %s: same verdict as openssl verify', async (name, anchors) => {
    // Prepare
    const chain = load(...CHAINS[name]);
    const at = insideValidity(chain);

    // Act
    const { validation } = await validateChain(chain, { trust: store(anchors), at });

    // Assess
    expect(validation.trusted).toBe(await opensslTrusts(chain, ANCHORS[anchors], at));
  });

  test('trusts every chain under at least one anchor set (the comparison is not vacuous)', async () => {
    // Act
    const trustedSomewhere = await Promise.all(
      Object.values(CHAINS).map(async (files) => {
        const chain = load(...files);
        const verdicts = await Promise.all(
          Object.keys(ANCHORS).map((a) => validateChain(chain, { trust: store(a), at: insideValidity(chain) })),
        );
        return verdicts.some((v) => v.validation.trusted);
      }),
    );

    // Assess
    expect(trustedSomewhere).toEqual(Object.values(CHAINS).map(() => true));
  });

  test.each([
    ['smtp.gmail.com 2024-10', 'node'],
    ['mx.google.com 2021-11', 'GTS Root R1'],
    ['smtp.gmail.com 2020-07', 'GlobalSign R2'],
    ['smtp.gmail.com 2014-07', 'GeoTrust Global CA'],
    ['*.google.com 2025-06', 'GTS Root R4'],
    ['www.google.com 2018-02', 'GlobalSign R2'],
  ])('reports %s as EXPIRED one day after the leaf expired (anchors %s)', async (name, anchors) => {
    // Prepare
    const chain = load(...CHAINS[name]);
    const at = new Date(chain[0].notAfter.getTime() + DAY);

    // Act
    const { validation } = await validateChain(chain, { trust: store(anchors), at });

    // Assess
    expect(validation.error?.code).toBe('EXPIRED');
  });

  test.each([
    ['smtp.gmail.com 2024-10', 'GTS Root R1', 'smtp.gmail.com'],
    ['smtp.gmail.com 2024-10', 'GTS Root R1 (2016)', 'smtp.gmail.com'],
    ['smtp.gmail.com 2024-10', 'node', 'smtp.gmail.com'],
    ['smtp.gmail.com 2024-10', 'google', 'smtp.gmail.com'],
    ['mx.google.com 2021-11', 'GTS Root R1', 'aspmx.l.google.com'],
    ['mx.google.com 2021-11', 'node', 'aspmx.l.google.com'],
  ])(
    'ends %s as served at the self-signed GTS Root R1 (anchors %s), cross-signed',
    async (name, anchors, servername) => {
      // Prepare
      const chain = load(...CHAINS[name]);

      // Act
      const { validation, hostnameMatch } = await validateChain(chain, {
        trust: store(anchors),
        at: insideValidity(chain),
        servername,
      });

      // Assess
      expect(validation).toMatchObject({ trusted: true, crossSigned: true, anchor: GTS_R1 });
      expect(validation.path).toEqual([chain[0].sha256, chain[1].sha256, validation.anchorSha256]);
      expect(hostnameMatch).toBe(true);
    },
  );

  test.each(['smtp.gmail.com 2024-10', 'mx.google.com 2021-11'])(
    'verifies %s through the cross-certificate under GlobalSign Root CA alone',
    async (name) => {
      // Prepare
      const chain = load(...CHAINS[name]);

      // Act
      const { validation } = await validateChain(chain, {
        trust: store('GlobalSign Root CA'),
        at: insideValidity(chain),
      });

      // Assess
      expect(validation).toMatchObject({ trusted: true, crossSigned: false, anchor: GLOBALSIGN_R1 });
      expect(validation.path).toEqual([...chain.map((c) => c.sha256), validation.anchorSha256]);
    },
  );

  test('reports EXPIRED_ANCHOR through GlobalSign Root CA after it expires on 2028-01-28', async () => {
    // Act
    const { validation } = await validateChain(load(...CHAINS['smtp.gmail.com 2024-10']), {
      trust: store('GlobalSign Root CA'),
      at: new Date('2028-02-01T00:00:00Z'),
    });

    // Assess
    expect(validation.error).toEqual({ code: 'EXPIRED_ANCHOR', message: expect.stringContaining(GLOBALSIGN_R1) });
  });

  test.each(['smtp.gmail.com 2020-07', 'www.google.com 2018-02'])(
    'reports %s to GlobalSign R2 after 2021-12-15 as EXPIRED_ANCHOR',
    async (name) => {
      // Act
      const { validation } = await validateChain(load(...CHAINS[name]), {
        trust: store('GlobalSign R2'),
        at: new Date('2022-01-01T00:00:00Z'),
      });

      // Assess
      expect(validation.error?.code).toBe('EXPIRED_ANCHOR');
    },
  );

  test('does not match the MX certificate for smtp.gmail.com', async () => {
    // Prepare
    const chain = load(...CHAINS['mx.google.com 2021-11']);

    // Act
    const result = await validateChain(chain, {
      trust: nodeTrustStore(),
      at: insideValidity(chain),
      servername: 'smtp.gmail.com',
    });

    // Assess
    expect(result).toMatchObject({ validation: { trusted: true }, hostnameMatch: false });
  });
});

describe('built-in trust stores', () => {
  test('node() is Node’s bundled root store, shared by the process', () => {
    expect(nodeTrustStore()).toBe(trustStoreNamed('node'));
    expect(nodeTrustStore().size).toBe(rootCertificates.length);
  });

  test('google() holds the shipped pki.goog bundle: GTS R1–R4 and GlobalSign Root CA, not GlobalSign R2', () => {
    // Act
    const subjects = googleTrustStore()
      .certificates()
      .map((c) => c.subject);

    // Assess
    expect(googleTrustStore().size).toBe(36);
    expect(subjects).toEqual(
      expect.arrayContaining([GTS_R1, GLOBALSIGN_R1, 'C=US, O=Google Trust Services LLC, CN=GTS Root R4']),
    );
    expect(subjects).not.toContain('OU=GlobalSign Root CA - R2, O=GlobalSign, CN=GlobalSign');
  });

  test('the google store is the shipped PEM, a verbatim copy of the pki.goog bundle, as its metadata says', () => {
    // Prepare
    const pem = readFileSync(join(DATA, 'pki-goog-roots.pem'), 'utf8');
    const info = JSON.parse(readFileSync(join(DATA, 'pki-goog-roots.json'), 'utf8'));

    // Act
    const store = googleTrustStore();

    // Assess
    expect(googleRootsPath()).toBe(join(DATA, 'pki-goog-roots.pem'));
    expect(createHash('sha256').update(pem).digest('hex')).toBe(info.pemSha256);
    expect(store.size).toBe(info.certificates);
  });

  test('forName adds the anchors of an extra PEM to a built-in store', async () => {
    // Prepare
    const chain = load(...CHAINS['smtp.gmail.com 2020-07']);

    // Act
    const { validation } = await validateChain(chain, {
      trust: trustStoreNamed('google', ANCHORS['GlobalSign R2']),
      at: insideValidity(chain),
    });

    // Assess
    expect(validation).toMatchObject({
      trusted: true,
      anchor: 'OU=GlobalSign Root CA - R2, O=GlobalSign, CN=GlobalSign',
    });
  });
});

describe('TrustStore from PEM', () => {
  const invalid = (action: () => unknown) => {
    try {
      action();
    } catch (error) {
      return error instanceof CoreError ? `${error.code}: ${error.message}` : error;
    }
    return 'no error';
  };

  test('refuses PEM without certificates, with bad base64 or with bytes that are not a certificate', () => {
    // Prepare
    const notACertificate = `-----BEGIN CERTIFICATE-----\n${Buffer.from('hello world!').toString('base64')}\n-----END CERTIFICATE-----\n`;

    // Act & Assess
    expect(invalid(() => TrustStore.fromPem('nothing here', 'ca.pem'))).toMatch(
      /^TRUST_INVALID: ca.pem: no PEM CERTIFICATE block/,
    );
    expect(
      invalid(() => nodeTrustStore().withExtra('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----')),
    ).toMatch(/^TRUST_INVALID: node\+extra: .*base64/);
    expect(invalid(() => trustStoreNamed('google', notACertificate))).toMatch(
      /^TRUST_INVALID: google\+extra: certificate 1: /,
    );
    expect(invalid(() => trustStoreNamed('bogus' as 'node'))).toMatch(/^TRUST_INVALID: unknown trust store 'bogus'/);
  });
});
