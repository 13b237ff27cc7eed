/**
 * Headless Chromium (Debian's `chromium`, never a downloaded browser) driven by playwright-core: shows
 * a timeline page and takes its screenshot. Used by the demo's `--png` and the rendering test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where Debian installs Chromium; `CERTWATCH_CHROMIUM` overrides it. */
export const CHROMIUM_PATH = process.env.CERTWATCH_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running browser with a page; `close` also removes its profile directory. */
export interface HeadlessPage {
  page: Page;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile and opens one page of the given viewport. */
export async function openHeadlessPage(viewport: { width: number; height: number }): Promise<HeadlessPage> {
  const profile = mkdtempSync(join(tmpdir(), 'certwatch-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ARGS,
      viewport,
      deviceScaleFactor: 1,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    // Nothing on the page may leave the machine: every request but the page itself is refused.
    await page.route(/^(?!data:|about:)/, (route) => route.abort());
    const opened = context;
    return {
      page,
      async close() {
        await opened.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** Renders `html` (a page holding the timeline SVG) and writes a PNG of the whole picture. */
export async function screenshotHtml(html: string, pngFile: string, size: { width: number; height: number }) {
  const browser = await openHeadlessPage(size);
  try {
    await browser.page.setContent(html, { waitUntil: 'load' });
    await browser.page.screenshot({ path: pngFile, fullPage: true });
  } finally {
    await browser.close();
  }
}
