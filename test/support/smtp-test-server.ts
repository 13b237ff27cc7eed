/**
 * In-process SMTP test servers. The code lives with the demo's fixtures (demo/support/smtp-test-server.ts),
 * which the demo runs without depending on the test suite; tests import it from here.
 */
export * from '../../demo/support/smtp-test-server';
