/**
 * The test CT log (its own Merkle tree, both protocols, faults) lives with the demo's fixtures
 * (demo/support/ct-log/), which the demo runs without depending on the test suite; tests import it from here.
 */

export * from '../../demo/support/ct-log/issue';
export * from '../../demo/support/ct-log/log';
export * from '../../demo/support/ct-log/server';
