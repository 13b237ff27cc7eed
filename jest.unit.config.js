// `npm run test:unit`: the pure unit tests, for a quick loop while changing core (under 30 s). Left to
// `npm test`: unit suites that ask openssl (the oracle) or open loopback sockets, and the corpus replays
// (x509-limbo, fuzz regressions), which cost most of test/unit's time.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/unit'],
  // No unit test runs the built CLI: skip building it (jest.config.js's globalSetup).
  globalSetup: undefined,
  testPathIgnorePatterns: [
    '/node_modules/',
    '/test/unit/(certificate|google-chains|pem|posture-cipher-suites|posture-client-hello)\\.test\\.ts$',
    '/test/unit/(limbo|limbo-2026|fuzz-regressions)\\.test\\.ts$',
    '/test/unit/revocation-(crl|ocsp)\\.test\\.ts$',
  ],
};
