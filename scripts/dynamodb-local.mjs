#!/usr/bin/env node
/**
 * Puts AWS's DynamoDB Local (the second store engine the store contract tests run on) under
 * `.ci/dynamodb-local/<version>/` unless it is there: the JAR ships inside the npm package
 * amplify-dynamodb-simulator, fetched with `npm pack` (the npm registry, through npm's cache) and checked
 * against the integrity pinned below. Not a package.json dependency: that package depends on ~240 others
 * certwatch never runs, and users of certwatch never need the JAR. Needs Java (`default-jre-headless`,
 * which .ci/run installs).
 *
 * Usage: node scripts/dynamodb-local.mjs   (prints the directory; exit 1 with one line when it cannot)
 * Run by jest's globalSetup, so a test run finds it; a failure there is left to the suites that need it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** DynamoDB Local 1.25.1, as amplify-dynamodb-simulator 2.9.30 ships it. */
export const DYNAMODB_LOCAL = Object.freeze({
  version: '1.25.1',
  npmPackage: 'amplify-dynamodb-simulator@2.9.30',
  integrity: 'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==',
  dir: join(ROOT, '.ci', 'dynamodb-local', '1.25.1'),
});

/** Returns the directory holding DynamoDBLocal.jar and DynamoDBLocal_lib, fetching it when absent. */
export function ensureDynamoDbLocal() {
  const { dir, npmPackage, integrity } = DYNAMODB_LOCAL;
  if (existsSync(join(dir, 'DynamoDBLocal.jar'))) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const work = mkdtempSync(join(dirname(dir), '.fetch-'));
  try {
    const name = execFileSync('npm', ['pack', npmPackage, '--pack-destination', work, '--silent'], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    const tarball = join(work, name.split('\n').pop());
    const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (actual !== integrity) throw new Error(`${npmPackage}: integrity ${actual} is not the pinned ${integrity}`);
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/emulator'], { stdio: 'inherit' });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'package', 'emulator'), dir);
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensureDynamoDbLocal()}\n`);
  } catch (error) {
    process.stderr.write(`dynamodb-local: cannot fetch DynamoDB Local: ${error.message.split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}
