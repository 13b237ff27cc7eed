/**
 * Draws a {@link TimelineModel} as one self-contained SVG document (no external fonts, images or
 * scripts), or an HTML page embedding it. Classes and data attributes name every part, so the picture
 * can be checked in a browser by its DOM.
 */
import type { BarTone, Lane, LegendItem, Marker, TextItem, TimelineModel } from './model';
import { FONT_FAMILY } from './text';

const INK = '#1f2328';
const MUTED = '#656d76';
const LEAD = '#8250df';
const ALERT = '#cf222e';
const SERVED: Record<BarTone, string> = {
  current: '#0969da',
  expiring: '#bf8700',
  expired: '#cf222e',
  retired: '#8c959f',
};
const SEVERITY = { info: '#0969da', warning: '#bf8700', critical: '#cf222e' } as const;
/** A white outline under label text keeps it legible over grid lines, hatching and the today line. */
const HALO = ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"';

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

function text(item: TextItem, cls: string, extra = ''): string {
  const anchor = item.anchor === 'start' ? '' : ` text-anchor="${item.anchor}"`;
  return `<text class="${cls}" x="${item.x}" y="${item.y}" font-size="${item.fontSize}"${anchor}${extra}>${escapeXml(item.text)}</text>`;
}

function title(tooltip: string): string {
  return `<title>${escapeXml(tooltip)}</title>`;
}

function markerShape(m: { x: number; y: number; severity: Marker['severity'] }, size = 5.5): string {
  const fill = SEVERITY[m.severity];
  const { x, y } = m;
  if (m.severity === 'info') return `<circle cx="${x}" cy="${y}" r="${size - 1}" fill="${fill}"/>`;
  if (m.severity === 'warning') {
    return `<path d="M${x} ${y - size}L${x + size} ${y + size - 1}H${x - size}Z" fill="${fill}"/>`;
  }
  return `<path d="M${x} ${y - size - 1}L${x + size + 1} ${y}L${x} ${y + size + 1}L${x - size - 1} ${y}Z" fill="${fill}"/>`;
}

function lane(l: Lane, index: number, plot: TimelineModel['plot']): string {
  const parts: string[] = [];
  const band = index % 2 === 0 ? '#f6f8fa' : '#ffffff';
  parts.push(
    `<rect class="lane-band" x="${plot.x}" y="${l.y}" width="${plot.width}" height="${l.height}" fill="${band}"/>`,
  );
  for (const o of l.overlaps) {
    parts.push(
      `<rect class="overlap" x="${o.x1}" y="${l.y + 2}" width="${Math.max(1, o.x2 - o.x1)}" height="${l.height - 4}" fill="url(#rollout)"><title>rollout: two certificates served at once</title></rect>`,
    );
  }
  for (const b of l.bars) {
    const g: string[] = [title(b.tooltip)];
    const w = Math.max(1, b.validity.x2 - b.validity.x1);
    // Square corners say the validity runs on beyond the window.
    const rx = b.validity.clippedStart || b.validity.clippedEnd ? 0 : 3;
    // A leaf near or past expiry carries the legend's colour on its whole validity bar, not only the served span.
    const edge = b.tone === 'expiring' || b.tone === 'expired' ? `${SERVED[b.tone]}" stroke-width="2` : '#afb8c1';
    g.push(
      `<rect class="validity" x="${b.validity.x1}" y="${b.y}" width="${w}" height="${b.height}" rx="${rx}" fill="#eaeef2" stroke="${edge}"/>`,
    );
    if (b.lead) {
      g.push(
        `<rect class="lead" x="${b.lead.x1}" y="${b.y + 5}" width="${Math.max(2, b.lead.x2 - b.lead.x1)}" height="${b.height - 10}" fill="${LEAD}"><title>logged in Certificate Transparency before it was served</title></rect>`,
      );
    }
    if (b.served) {
      g.push(
        `<rect class="served" x="${b.served.x1}" y="${b.y + 3}" width="${Math.max(2, b.served.x2 - b.served.x1)}" height="${b.height - 6}" rx="2" fill="${SERVED[b.tone]}"/>`,
      );
    }
    for (const t of b.thresholds) {
      g.push(
        `<line class="threshold" x1="${t.x}" x2="${t.x}" y1="${b.y - 2}" y2="${b.y + b.height + 2}" stroke="#bf8700" stroke-opacity="${b.tone === 'retired' ? 0.4 : 1}"><title>${t.days} days before expiry</title></line>`,
      );
    }
    if (b.label) g.push(text(b.label, 'label', ` fill="${b.tone === 'retired' ? MUTED : INK}"${HALO}`));
    parts.push(`<g class="bar" data-sha256="${b.sha256}" data-tone="${b.tone}" data-row="${b.row}">${g.join('')}</g>`);
  }
  const head = [
    text(l.title, 'lane-title', ` fill="${INK}" font-weight="bold"`),
    text(l.subtitle, 'lane-subtitle', ` fill="${l.alert ? ALERT : MUTED}"`),
  ];
  const markers = l.markers.map(
    (m) =>
      `<g class="marker" data-type="${m.type}" data-severity="${m.severity}"${m.derived ? ' data-derived="true"' : ''}>${title(m.tooltip)}${markerShape(m)}</g>`,
  );
  return `<g class="lane" data-lane="${escapeXml(l.id)}" data-target="${escapeXml(l.target)}" data-key-type="${l.keyType}">${parts.join('')}${head.join('')}${markers.join('')}</g>`;
}

function legendSwatch(item: LegendItem): string {
  const { x, y } = item;
  switch (item.kind) {
    case 'bar':
      return `<rect x="${x}" y="${y - 5}" width="18" height="12" rx="3" fill="#eaeef2" stroke="#afb8c1"/>`;
    case 'served':
      return `<rect x="${x}" y="${y - 2}" width="18" height="7" rx="2" fill="${SERVED[item.tone ?? 'current']}"/>`;
    case 'lead':
      return `<rect x="${x}" y="${y}" width="18" height="4" fill="${LEAD}"/>`;
    case 'overlap':
      return `<rect x="${x}" y="${y - 6}" width="18" height="14" fill="url(#rollout)"/>`;
    case 'threshold':
      return `<line x1="${x + 9}" x2="${x + 9}" y1="${y - 6}" y2="${y + 8}" stroke="#bf8700"/>`;
    case 'today':
      return `<line x1="${x + 9}" x2="${x + 9}" y1="${y - 6}" y2="${y + 8}" stroke="${ALERT}" stroke-width="2" stroke-dasharray="4 2"/>`;
    case 'marker':
      return markerShape({ x: x + 9, y: y + 1, severity: item.severity ?? 'info' });
  }
}

/** The SVG document of a timeline. */
export function renderTimelineSvg(model: TimelineModel): string {
  const { plot } = model;
  const bottom = plot.y + plot.height;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${model.width}" height="${model.height}" viewBox="0 0 ${model.width} ${model.height}" role="img" aria-labelledby="tl-title" font-family="${escapeXml(FONT_FAMILY)}" data-now="${model.now}" data-from="${model.from}" data-to="${model.to}">`,
    `<title id="tl-title">${escapeXml(`${model.title.text} — ${model.subtitle.text}`)}</title>`,
    '<defs><pattern id="rollout" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff8c5"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d4a72c" stroke-width="2" stroke-opacity="0.45"/></pattern></defs>',
    `<rect width="${model.width}" height="${model.height}" fill="#ffffff"/>`,
    text(model.title, 'title', ` fill="${INK}" font-weight="bold"`),
    text(model.subtitle, 'subtitle', ` fill="${MUTED}"`),
    `<rect class="plot" x="${plot.x}" y="${plot.y}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#d0d7de"/>`,
  );
  out.push(...model.lanes.map((l, i) => lane(l, i, plot)));
  for (const tick of model.ticks) {
    out.push(
      `<line class="grid" x1="${tick.x}" x2="${tick.x}" y1="${plot.y}" y2="${bottom}" stroke="${tick.major ? '#afb8c1' : '#d8dee4'}" stroke-opacity="0.6"/>`,
      `<line class="tick" x1="${tick.x}" x2="${tick.x}" y1="${bottom}" y2="${bottom + 5}" stroke="${MUTED}"/>`,
    );
    if (tick.label) out.push(text(tick.label, 'axis-label', ` fill="${MUTED}"`));
  }
  if (model.today) {
    const { x, label } = model.today;
    out.push(
      `<line class="today" x1="${x}" x2="${x}" y1="${plot.y - 4}" y2="${bottom}" stroke="${ALERT}" stroke-width="2" stroke-dasharray="5 3"/>`,
      text(label, 'today-label', ` fill="${ALERT}" font-weight="bold"`),
    );
  }
  for (const item of model.legend) {
    out.push(
      `<g class="legend-item" data-kind="${item.kind}">${legendSwatch(item)}${text(item.label, 'legend-label', ` fill="${INK}"`)}</g>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** An HTML page showing the SVG (for browsers that open local SVG files awkwardly). */
export function renderTimelineHtml(model: TimelineModel): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(model.title.text)}</title>`,
    // The picture is drawn at a fixed size; the page scales it to the window, keeping its proportions.
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<style>body{margin:0;background:#fff}svg{display:block;width:100%;height:auto}</style>',
    '</head><body>',
    renderTimelineSvg(model),
    '</body></html>',
    '',
  ].join('\n');
}
