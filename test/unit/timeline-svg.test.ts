import { buildTimeline } from '../../lambdas/timeline/layout';
import { escapeXml, renderTimelineHtml, renderTimelineSvg } from '../../lambdas/timeline/render-svg';
import { googleYear, leaf, NOW, notice, state } from './timeline-fixtures';

describe('timeline SVG', () => {
  it('draws every lane, bar, label and marker of the model, named by class', () => {
    // Prepare
    const { histories, notices } = googleYear();
    const model = buildTimeline({ histories, notices, now: NOW });

    // Act
    const svg = renderTimelineSvg(model);

    // Assess
    const count = (pattern: RegExp) => (svg.match(pattern) ?? []).length;
    const bars = model.lanes.reduce((n, l) => n + l.bars.length, 0);
    const labels = model.lanes.reduce((n, l) => n + l.bars.filter((b) => b.label).length, 0);
    const markers = model.lanes.reduce((n, l) => n + l.markers.length, 0);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1400"')).toBe(true);
    expect(count(/<g class="lane" /g)).toBe(12);
    expect(count(/<g class="bar" /g)).toBe(bars);
    expect(count(/<text class="label" /g)).toBe(labels);
    expect(count(/<g class="marker" /g)).toBe(markers);
    expect(count(/<line class="today" /g)).toBe(1);
    expect(count(/<rect class="overlap" /g)).toBeGreaterThan(12);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('is self-contained: no script, no external reference', () => {
    // Prepare
    const { histories, notices } = googleYear();

    // Act
    const svg = renderTimelineSvg(buildTimeline({ histories, notices, now: NOW }));

    // Assess
    expect(svg).not.toMatch(/<script|<image|<foreignObject|@import|xlink:href|href=/i);
    expect(svg.match(/url\([^)]*\)/g)?.every((u) => u === 'url(#rollout)')).toBe(true);
  });

  it('escapes names and notice subjects, so hostile text stays text', () => {
    // Prepare
    const target = 'smtp://mx.test.example:25';
    const cert = leaf(target, 'ecdsa', 'x', {
      from: -10,
      to: 70,
      seen: -10,
      issuer: 'CN=<script>alert(1)</script> & Co',
    });
    const histories = new Map([[target, { state: state(target, [cert]), certs: [cert] }]]);
    const hostile = { ...notice('STARTTLS_MISSING', target, -1), subject: 'evil "subject" <b>&' };

    // Act
    const svg = renderTimelineSvg(buildTimeline({ histories, notices: [hostile], now: NOW, title: 'a < b' }));

    // Assess
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(svg).toContain('evil &quot;subject&quot; &lt;b&gt;&amp;');
    expect(svg).toContain('>a &lt; b</text>');
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
  });

  it('wraps the SVG in a page when HTML is asked for', () => {
    // Prepare
    const { histories } = googleYear();
    const model = buildTimeline({ histories, now: NOW });

    // Act
    const html = renderTimelineHtml(model);

    // Assess
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain(renderTimelineSvg(model));
  });
});
