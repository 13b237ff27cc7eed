/**
 * Generated PKI for tests. The code lives with the demo's fixtures (demo/support/pki.ts), which the
 * demo runs without depending on the test suite; tests import it from here.
 */
export * from '../../demo/support/pki';
