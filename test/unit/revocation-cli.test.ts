/**
 * The revocation flags as each command reads them (lambdas/cli/revocation-cli.ts): an empty
 * `--revocation` names the default of the command it was given to.
 */
import { revocationFrom } from '../../lambdas/cli/revocation-cli';

describe('an empty --revocation', () => {
  it('names the default of the command: off for probe and inspect, crl,ocsp for check', () => {
    // Act
    const optIn = () => revocationFrom({ revocation: '' }, false, {});
    const onByDefault = () => revocationFrom({ revocation: '' }, true, {});

    // Assess
    expect(optIn).toThrow(/^--revocation is empty: leave it out for the default \(off here\), or give crl,ocsp$/);
    expect(onByDefault).toThrow(/^--revocation is empty: leave it out for the default \(crl,ocsp\)$/);
  });
});
