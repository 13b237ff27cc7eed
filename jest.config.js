// The AWS SDK warns on Node 20 once per process; tests don't need to hear it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // pkijs and its helpers are ESM-only: let swc turn them into CommonJS for jest.
  transformIgnorePatterns: ['node_modules/(?!(pkijs|asn1js|@peculiar|pvtsutils|pvutils|bytestreamjs|@noble)/)'],
  // The CLI imports heavy modules lazily as `import('./x.js')` (TypeScript's nodenext form): map to the .ts source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Tests that run the package bin run dist/cli: build it from the sources first (≈ 0.3 s).
  globalSetup: '<rootDir>/test/support/jest-global-setup.cjs',
  // A hang detector, not a speed check: every network step in the tests has its own deadline, and the
  // suite must hold with both cores busy, where CPU-bound tests (cdk synth, parsing corpora) run several
  // times slower than on a quiet machine. Timing belongs in `npm run bench`.
  testTimeout: 120_000,
  // How long a worker is given to exit at the end of the run (jest's default is 500 ms). After a full run
  // each worker exits on its own — nothing but its IPC pipes open, gone 3–6 ms after jest's end message —
  // but tearing down a heap of a gigabyte or more takes longer than 500 ms on a loaded machine (a 1.5 GB
  // node process: 0.9 s at load 6), and jest then reports "a worker process has failed to exit
  // gracefully". A handle left open (server, child, timer) still holds a worker past this and is reported.
  workerGracefulExitTimeout: 10_000,
  maxWorkers: 2,
};
