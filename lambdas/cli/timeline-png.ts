/**
 * `timeline --out FILE.png`: the HTML page photographed by headless Chromium (Debian's `chromium`,
 * found on PATH or named by CERTWATCH_CHROMIUM), with networking off: the page is self-contained.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { UsageError } from './cli-io';

/** How long Chromium may take to draw one page. */
const SCREENSHOT_TIMEOUT_MS = 60_000;

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium to use, or null: CERTWATCH_CHROMIUM first, then the usual names on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = env.CERTWATCH_CHROMIUM
    ? [env.CERTWATCH_CHROMIUM]
    : (env.PATH ?? '').split(delimiter).flatMap((dir) => NAMES.map((name) => join(dir, name)));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there: try the next one
    }
  }
  return null;
}

/** Writes `html` (a page `width` × `height` pixels) as a PNG at `out`. */
export async function writePng(html: string, size: { width: number; height: number }, out: string): Promise<void> {
  const chromium = findChromium();
  if (!chromium) {
    throw new UsageError(
      `--out ${out}: a PNG needs headless Chromium (chromium on PATH or CERTWATCH_CHROMIUM; Debian: apt-get install chromium); or write .svg or .html`,
    );
  }
  const work = mkdtempSync(join(tmpdir(), 'certwatch-png-'));
  try {
    const page = join(work, 'timeline.html');
    writeFileSync(page, html);
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      `--user-data-dir=${join(work, 'profile')}`,
      `--window-size=${Math.ceil(size.width)},${Math.ceil(size.height)}`,
      `--screenshot=${join(work, 'shot.png')}`,
      `file://${page}`,
    ];
    await run(chromium, args);
    const shot = join(work, 'shot.png');
    try {
      statSync(shot);
    } catch (cause) {
      throw new UsageError(`--out ${out}: Chromium wrote no picture`, { cause });
    }
    try {
      copyFileSync(shot, out);
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${(error as Error).message}`, { cause: error });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), SCREENSHOT_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(new UsageError(`cannot run ${command}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done();
      else {
        const last = stderr.trim().split('\n').pop() ?? '';
        fail(new UsageError(`${command} failed (${signal ?? `exit ${code}`})${last ? `: ${last.slice(0, 200)}` : ''}`));
      }
    });
  });
}
