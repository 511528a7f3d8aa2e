import { describe, expect, it } from 'vitest';
import { renderComparePage } from './compare-page.js';

const hostile = '<img src=x onerror=alert(1)>\u202e&"\'';

describe('renderComparePage', () => {
  it('renders a static page: the dashboard CSP, no script, every file-derived string escaped inside <bdi>', () => {
    const html = renderComparePage({
      runDirA: `runs/${hostile}`,
      runDirB: 'runs/b',
      verdict: 'diverged',
      stepsCompared: 7,
      decision: {
        index: 7,
        a: {
          lifetime: 1,
          step: 7,
          file: 'metrics.ndjson.2',
          line: 3,
          events: [{ file: 'metrics.ndjson.2', line: 3, stage: 'risk', outcome: 'ok', latency_ms: 0.2 }],
        },
        b: {
          lifetime: 2,
          step: 7,
          file: 'metrics.ndjson',
          line: 9,
          events: [
            {
              file: 'metrics.ndjson',
              line: 9,
              stage: hostile,
              outcome: 'rejected',
              latency_ms: 0.25,
              reason: hostile,
              detail: hostile,
              attrs: { [hostile]: hostile },
            },
          ],
        },
        differences: [`risk: reason (none) vs ${hostile}`],
      },
      firstDifference: null,
      settings: [{ key: hostile, a: 1, b: hostile }],
      rows: [
        { metric: `rejections{reason="${hostile}"}`, group: 'rejections', a: 0, b: 2, diff: 2, ratio: null },
      ],
      notes: [`B: ${hostile}`],
    });
    expect(html).toContain(
      `content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:"`,
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).toContain('<bdi>runs/&lt;img src=x onerror=alert(1)&gt;\u202e&amp;&quot;&#39;</bdi>');
    expect(html).toContain('Decisions first differ at step 7 (the 7th step of both runs)');
    expect(html).toContain('B: <bdi>step 7 (lifetime 2) at metrics.ndjson:9</bdi>');
    expect(html).toContain('<span class="outcome rejected">rejected</span>');
    // Every occurrence of the hostile text is escaped and inside a <bdi> (the <title> is text only).
    const escaped = '&lt;img src=x onerror=alert(1)&gt;\u202e&amp;';
    expect(html.split(escaped).length - 1).toBeGreaterThanOrEqual(8);
    const outside = html.replace(/<bdi>[^<]*<\/bdi>/g, '').replace(/<title>[^<]*<\/title>/, '');
    expect(outside).not.toContain('&lt;img');
  });
});
