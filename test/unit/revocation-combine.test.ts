/**
 * The sources a certificate names (Google's real leaves and intermediates) and how the answers of
 * several sources combine into one status.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combineVerdicts, planChecks } from '../../lambdas/core/revocation/combine';
import { type SourceVerdict, unknownVerdict } from '../../lambdas/core/revocation/model';
import { revocationSources } from '../../lambdas/core/revocation/sources';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import { OpensslCa } from '../support/openssl-ca';

const GOOGLE = join(__dirname, '..', 'fixtures', 'google');
const load = (path: string) => Certificate.fromDer(pemToDerList(readFileSync(join(GOOGLE, path), 'utf8'))[0]);

const times = { thisUpdate: '2026-01-01T00:00:00.000Z', nextUpdate: '2026-01-08T00:00:00.000Z' };
const good = (source: SourceVerdict['source']): SourceVerdict => ({
  status: 'good',
  source,
  url: `http://${source}`,
  ...times,
});
const revoked: SourceVerdict = {
  status: 'revoked',
  source: 'crl',
  url: 'http://crl',
  ...times,
  revokedAt: '2026-01-02T00:00:00.000Z',
  reason: 'keyCompromise',
};

describe('the sources a certificate names', () => {
  it('reads the partitioned CRL and the OCSP URL with a path of a Google Trust Services leaf', () => {
    // Prepare
    const leaf = load('leaves/smtp.gmail.com_2024-10_WR2.pem');

    // Act
    const sources = revocationSources(leaf);
    const plan = planChecks(leaf, ['crl', 'ocsp']);

    // Assess
    expect(sources.crl.map((p) => p.urls)).toEqual([['http://c.pki.goog/wr2/oQ6nyr8F0m0.crl']]);
    expect(sources.ocsp).toEqual(['http://o.pki.goog/wr2']);
    expect(plan).toMatchObject({ named: true, ocsp: 'http://o.pki.goog/wr2', skipped: [] });
    expect(plan.crl.map((c) => c.url)).toEqual(['http://c.pki.goog/wr2/oQ6nyr8F0m0.crl']);
  });

  it('asks only the methods switched on, and says so when that leaves none', () => {
    // Prepare
    const intermediate = load('intermediates/WR2.pem');

    // Act
    const crlOnly = planChecks(intermediate, ['crl']);
    const ocspOnly = planChecks(intermediate, ['ocsp']);

    // Assess
    expect(crlOnly.crl.map((c) => c.url)).toEqual(['http://c.pki.goog/r/r1.crl']);
    expect(ocspOnly).toMatchObject({ named: true, crl: [], ocsp: null });
    expect(ocspOnly.skipped).toEqual([
      expect.objectContaining({ status: 'unknown', error: expect.objectContaining({ code: 'NO_USABLE_SOURCE' }) }),
    ]);
  });

  it('says an LDAP-only certificate names nothing certwatch fetches, rather than blaming --revocation', () => {
    // Prepare: a leaf whose only distribution point is an LDAP URL
    const dir = mkdtempSync(join(tmpdir(), 'certwatch-ldap-'));
    const ca = OpensslCa.create(join(dir, 'ca'), { name: 'LDAP Only Issuing' });
    const leaf = Certificate.fromDer(ca.issue({ name: 'mx.ldap.example', crlUrls: ['ldap://dir.example/cn=ca'] }).der);
    rmSync(dir, { recursive: true, force: true });

    // Act
    const plan = planChecks(leaf, ['crl', 'ocsp']);

    // Assess
    expect(plan.skipped).toEqual([
      expect.objectContaining({
        error: {
          code: 'NO_USABLE_SOURCE',
          message:
            'the certificate names only sources certwatch does not fetch (HTTP and HTTPS only): ldap://dir.example/cn=ca',
        },
      }),
    ]);
  });

  it('finds no source in a root', () => {
    // Prepare
    const root = Certificate.fromDer(
      pemToDerList(readFileSync(join(GOOGLE, 'chains', 'google-anchor-set_current_GTSR1-R4_GSR4_GSR1.pem'), 'utf8'))[0],
    );

    // Act
    const plan = planChecks(root, ['crl', 'ocsp']);

    // Assess
    expect(plan).toEqual({ named: false, crl: [], ocsp: null, skipped: [] });
    expect(combineVerdicts([], plan.named)).toEqual({
      status: 'none',
      source: null,
      url: null,
      thisUpdate: null,
      nextUpdate: null,
    });
  });
});

describe('combining the sources', () => {
  it('lets any trusted revoked win', () => {
    // Act
    const verdict = combineVerdicts([good('stapled'), good('ocsp'), revoked], true);

    // Assess
    expect(verdict).toEqual({ ...revoked });
  });

  it('says good with one trusted good and the others unknown, preferring the stapled answer', () => {
    // Act
    const verdict = combineVerdicts(
      [unknownVerdict('crl', 'http://crl', 'FETCH_FAILED', 'timed out'), good('ocsp'), good('stapled')],
      true,
    );

    // Assess
    expect(verdict).toMatchObject({ status: 'good', source: 'stapled' });
  });

  it('says unknown, with every source’s reason, when none answered trustworthily', () => {
    // Act
    const verdict = combineVerdicts(
      [
        unknownVerdict('crl', 'http://crl', 'BAD_SIGNATURE', 'signed by another key'),
        unknownVerdict('ocsp', 'http://ocsp', 'FETCH_FAILED', 'timed out'),
      ],
      true,
    );

    // Assess
    expect(verdict).toEqual({
      status: 'unknown',
      source: 'ocsp',
      url: 'http://ocsp',
      thisUpdate: null,
      nextUpdate: null,
      error: { code: 'FETCH_FAILED', message: 'ocsp http://ocsp: timed out; crl http://crl: signed by another key' },
    });
  });
});
