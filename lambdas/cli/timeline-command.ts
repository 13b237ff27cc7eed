/**
 * `certwatch timeline`: draws the stored history as a picture — one lane per target × key type, a bar
 * per certificate (valid and served spans), rollout overlaps, today, thresholds and notice markers —
 * into a self-contained SVG file, or an HTML page embedding it when the file name ends in .html.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { TargetHistory } from '../core/history';
import { parseTarget } from '../core/targets';
import type { WatchConfig } from '../core/watch-config';
import type { buildTimeline } from '../timeline/layout';
import type { TimelineModel, TimelineNotice } from '../timeline/model';
import { watchConfigFromCliEnv } from './cli-adapters';
import { type CliRun, EXIT, UsageError } from './cli-io';
import { addStoreOptions, type StoreCliValues, storeLocationFrom, withStore } from './shared/store-options';
import { loadPlaces } from './watch-list-cli';

/** Where the picture goes when `--out` is not given (relative to the working directory). */
export const DEFAULT_TIMELINE_FILE = 'certwatch-timeline.svg';

interface TimelineValues extends StoreCliValues {
  out?: string;
}

/** What the store gave the timeline. */
interface Loaded {
  histories: Map<string, TargetHistory>;
  /** The watch list's targets that have history (MX hosts and removed targets included). */
  listed: string[];
  notices: TimelineNotice[];
  where: string;
}

/** `certwatch timeline`. */
export function registerTimelineCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    program
      .command('timeline')
      .description('draw the certificate history as a timeline picture (SVG; HTML or PNG by the --out extension)')
      .argument('[targets...]', 'only these target URLs (default: every target in the history)'),
  )
    .option(
      '--out <file>',
      `picture to write: .svg, .html (a page that scales to the window) or .png (headless Chromium); default: ${DEFAULT_TIMELINE_FILE}`,
    )
    .action(async (args: string[], values: TimelineValues) => {
      const location = storeLocationFrom(values);
      const wanted = args.map((arg) => parseTarget(arg).url);
      const config = watchConfigFromCliEnv();
      const now = new Date();
      const out = values.out ?? DEFAULT_TIMELINE_FILE;
      const format = outputFormat(out);
      const loaded = await withStore(location, { readOnly: true, run }, async (opened): Promise<Loaded> => {
        if (!opened) return { histories: new Map(), listed: [], notices: [], where: storeName(location) };
        // The outbox keeps sent notices until TTL drops them (90 days); older events the timeline
        // derives from the certificate records themselves.
        const outbox = await opened.store.listNotices();
        const histories = await opened.store.listHistories();
        const { places } = await loadPlaces(opened.store, now);
        return {
          histories,
          listed: [...histories.keys()].filter((url) => (places.get(url)?.status ?? 'unlisted') !== 'unlisted'),
          notices: outbox.map((entry) => entry.notice),
          where: opened.where,
        };
      });
      const certificates = [...loaded.histories.values()].reduce((n, h) => n + h.certs.length, 0);
      if (certificates === 0) {
        const why = loaded.histories.size === 0 ? 'no history' : 'no certificate recorded (every probe failed so far)';
        run.stderr.write(`certwatch: ${why} in ${loaded.where}: run certwatch check first\n`);
        run.exitCode = EXIT.FAILED;
        return;
      }
      const unknown = wanted.filter((t) => !loaded.histories.has(t));
      if (unknown.length > 0) {
        throw new UsageError(
          `no history of ${unknown.join(', ')} in ${loaded.where}; known targets: ${[...loaded.histories.keys()].join(', ')}`,
        );
      }
      const [layoutModule, { renderTimelineHtml, renderTimelineSvg }] = await Promise.all([
        import('../timeline/layout.js'),
        import('../timeline/render-svg.js'),
      ]);
      const model = layout(layoutModule.buildTimeline, loaded, wanted, now, config);
      if (format === 'png') {
        const { writePng } = await import('./timeline-png.js');
        await writePng(renderTimelineHtml(model), model, out);
      } else {
        const document = format === 'html' ? renderTimelineHtml(model) : renderTimelineSvg(model);
        try {
          writeFileSync(out, document);
        } catch (error) {
          throw new UsageError(`cannot write ${out}: ${(error as Error).message}`, { cause: error });
        }
      }
      run.stdout.write(`${summary(out, model)}\n`);
      run.exitCode = EXIT.OK;
    });
}

/** What `--out` asks for, by its extension; anything else is refused before the store is opened. */
function outputFormat(out: string): 'svg' | 'html' | 'png' {
  if (/\.svg$/i.test(out)) return 'svg';
  if (/\.html?$/i.test(out)) return 'html';
  if (/\.png$/i.test(out)) return 'png';
  throw new UsageError(`--out ${out}: write .svg, .html or .png (PNG through headless Chromium)`);
}

/** One line saying what was drawn where. */
export function summary(file: string, model: TimelineModel): string {
  const bars = model.lanes.reduce((n, l) => n + l.bars.length, 0);
  const markers = model.lanes.reduce((n, l) => n + l.markers.length, 0);
  const targets = new Set(model.lanes.map((l) => l.target)).size;
  return `Wrote ${file}: ${targets} target(s), ${model.lanes.length} lanes, ${bars} certificate bars, ${markers} markers, ${model.from.slice(0, 10)} → ${model.to.slice(0, 10)}.`;
}

function layout(
  build: typeof buildTimeline,
  loaded: Loaded,
  wanted: string[],
  now: Date,
  config: WatchConfig,
): TimelineModel {
  return build({
    histories: loaded.histories,
    notices: loaded.notices,
    now,
    // No target named: the watch list's (every stored one when none of them has history yet).
    targets: wanted.length > 0 ? wanted : loaded.listed.length > 0 ? loaded.listed : undefined,
    thresholdsDays: config.expiryThresholdsDays,
    rotationOverdueShare: config.rotationOverdueShare,
  });
}

function storeName(location: ReturnType<typeof storeLocationFrom>): string {
  return location.kind === 'embedded' ? location.dir : `table ${location.tableName}`;
}
