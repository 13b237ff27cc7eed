import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `.ci/run` runs the suite on the machine's Node and again on Node 24 (the Lambda's runtime), saying
 * which major it means in CERTWATCH_TEST_NODE_MAJOR: this proves the tests really ran there.
 */
describe('the Node the tests run on', () => {
  it('is the major .ci/run asked for, or one package.json engines allows', () => {
    // Prepare
    const wanted = process.env.CERTWATCH_TEST_NODE_MAJOR;
    const engines = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).engines.node as string;
    const [major, minor] = process.versions.node.split('.').map(Number);

    // Act
    const floor = /^>=(\d+)\.(\d+)$/.exec(engines);

    // Assess
    expect(floor).not.toBeNull();
    if (wanted) expect(major).toBe(Number(wanted));
    const [floorMajor, floorMinor] = [Number(floor?.[1]), Number(floor?.[2])];
    expect(major > floorMajor || (major === floorMajor && minor >= floorMinor)).toBe(true);
  });
});
