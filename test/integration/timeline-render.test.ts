/**
 * The timeline as a person sees it: a year of six Google targets is stored in the embedded engine,
 * `certwatch timeline` draws it, and headless Chromium (Debian's, through playwright-core) renders the
 * page. The checks read the rendered DOM: lanes, bars and labels present, no two texts over each
 * other, today's line inside the plot; and a PNG is taken.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeadlessPage } from '../../demo/chromium';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { cli as certwatch } from '../support/cli';
import { googleYear, NOW, shiftHistories } from '../unit/timeline-fixtures';

interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}

interface Rendered {
  lanes: Array<{ target: string; keyType: string; title: string }>;
  bars: Array<{ validity: Rect; label: string | null }>;
  texts: Array<{ text: string; cls: string; rect: Rect }>;
  plot: Rect;
  today: Rect | null;
  svg: { width: number; height: number };
}

describe('timeline rendered in headless Chromium', () => {
  let dir: string;
  let store: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-timeline-'));
    store = join(dir, 'store');
    const { histories } = googleYear();
    const embedded = await startEmbeddedStore({ dir: store });
    try {
      // The command draws as of the real clock: move the year so that it ends now.
      for (const [, history] of shiftHistories(histories, Date.now() - NOW.getTime())) {
        const state = history.state as NonNullable<typeof history.state>;
        const saved = await embedded.store.saveTarget({
          state: { ...state, version: 0 },
          changedCerts: history.certs.map((c) => ({ ...c, rev: 0 })),
        });
        expect(saved.ok).toBe(true);
      }
    } finally {
      await embedded.close();
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws a year of six targets that reads well: lanes, bars, labels apart, today inside the plot', async () => {
    // Prepare
    const page = join(dir, 'timeline.html');
    const png = join(dir, 'timeline.png');

    // Act
    const run = await certwatch(['timeline', '--store', store, '--out', page]);
    const browser = await openHeadlessPage({ width: 1400, height: 900 });
    let rendered: Rendered;
    try {
      await browser.page.setContent(readFileSync(page, 'utf8'), { waitUntil: 'load' });
      rendered = await browser.page.evaluate(() => {
        // Runs in the page: the DOM is typed here by the little of it these checks use.
        interface El {
          textContent: string | null;
          getAttribute(name: string): string | null;
          getBoundingClientRect(): Rect;
          querySelector(selector: string): El | null;
          querySelectorAll(selector: string): ArrayLike<El>;
        }
        const doc = (globalThis as unknown as { document: El }).document;
        const box = (e: El | null) => {
          const r = (e as El).getBoundingClientRect();
          return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
        };
        const all = (selector: string) => Array.from(doc.querySelectorAll(selector));
        const svg = doc.querySelector('svg') as El;
        const today = doc.querySelector('line.today');
        return {
          lanes: all('g.lane').map((g) => ({
            target: g.getAttribute('data-target') ?? '',
            keyType: g.getAttribute('data-key-type') ?? '',
            title: g.querySelector('text.lane-title')?.textContent ?? '',
          })),
          bars: all('g.bar').map((g) => ({
            validity: box(g.querySelector('rect.validity')),
            label: g.querySelector('text.label')?.textContent ?? null,
          })),
          texts: all('text').map((t) => ({
            text: t.textContent ?? '',
            cls: t.getAttribute('class') ?? '',
            rect: box(t),
          })),
          plot: box(doc.querySelector('rect.plot')),
          today: today ? box(today) : null,
          svg: { width: Number(svg.getAttribute('width')), height: Number(svg.getAttribute('height')) },
        };
      });
      await browser.page.screenshot({ path: png, fullPage: true });
    } finally {
      await browser.close();
    }

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Wrote .*timeline\.html: 6 target\(s\), 12 lanes, \d+ certificate bars, \d+ markers/);
    expect(rendered.lanes).toHaveLength(12);
    expect(new Set(rendered.lanes.map((l) => l.target)).size).toBe(6);
    expect(rendered.lanes[0]).toEqual({
      target: 'smtp://aspmx.l.google.com:25',
      keyType: 'ecdsa',
      title: 'aspmx.l.google.com:25',
    });

    expect(rendered.bars.length).toBeGreaterThanOrEqual(72);
    expect(rendered.bars.every((b) => b.validity.width > 0)).toBe(true);
    const labelled = rendered.bars.filter((b) => b.label !== null);
    expect(labelled.length).toBeGreaterThanOrEqual(rendered.bars.length - 6);
    expect(labelled.filter((b) => /\d+d left$/.test(b.label ?? '')).length).toBe(12);

    const overlaps: string[] = [];
    rendered.texts.forEach((a, i) => {
      for (const b of rendered.texts.slice(i + 1)) {
        const apart =
          a.rect.right <= b.rect.left ||
          b.rect.right <= a.rect.left ||
          a.rect.bottom <= b.rect.top ||
          b.rect.bottom <= a.rect.top;
        if (!apart) overlaps.push(`"${a.text}" (${a.cls}) over "${b.text}" (${b.cls})`);
      }
    });
    expect(rendered.texts.length).toBeGreaterThan(rendered.bars.length);
    expect(overlaps).toEqual([]);
    for (const t of rendered.texts.filter((x) => x.cls === 'label')) {
      expect(t.rect.left).toBeGreaterThanOrEqual(rendered.plot.left - 0.5);
      expect(t.rect.right).toBeLessThanOrEqual(rendered.plot.right + 0.5);
    }
    for (const t of rendered.texts.filter((x) => x.cls === 'lane-title' || x.cls === 'lane-subtitle')) {
      expect(t.rect.right).toBeLessThan(rendered.plot.left);
    }

    const today = rendered.today as Rect;
    expect(today).not.toBeNull();
    expect(today.left).toBeGreaterThan(rendered.plot.left);
    expect(today.right).toBeLessThan(rendered.plot.right);
    expect(today.top).toBeLessThanOrEqual(rendered.plot.top);
    expect(today.bottom).toBeGreaterThanOrEqual(rendered.plot.bottom - 1);

    const header = readFileSync(png);
    expect(header.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect([header.readUInt32BE(16), header.readUInt32BE(20)]).toEqual([rendered.svg.width, rendered.svg.height]);
  });

  it('draws only the targets asked for, as a plain SVG file', async () => {
    // Prepare
    const file = join(dir, 'mx.svg');

    // Act
    const run = await certwatch(['timeline', 'smtp://aspmx.l.google.com:25', '--store', store, '--out', file]);

    // Assess
    expect(run.code).toBe(0);
    const svg = readFileSync(file, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<g class="lane" /g)).toHaveLength(2);
    expect(svg).not.toContain('smtp-relay.gmail.com');
  });

  it('refuses a target the history does not know, naming the ones it does', async () => {
    // Act
    const run = await certwatch(['timeline', 'smtp://mx.example.org', '--store', store, '--out', join(dir, 'x.svg')]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^certwatch: no history of smtp:\/\/mx\.example\.org:25 in .*; known targets: smtp:\/\/aspmx/,
    );
    expect(existsSync(join(dir, 'x.svg'))).toBe(false);
  });

  it('says there is nothing to draw for an empty store, and leaves no store behind', async () => {
    // Prepare
    const empty = join(dir, 'empty');

    // Act
    const run = await certwatch(['timeline', '--store', empty, '--out', join(dir, 'y.svg')]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`certwatch: no history in ${empty}: run certwatch check first\n`);
    expect(existsSync(empty)).toBe(false);
  });
});
