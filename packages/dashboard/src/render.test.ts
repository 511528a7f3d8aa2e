import { describe, expect, it } from 'vitest';
import { runDir, stageEvents } from '../../run-dir/test-support/run-dir-fixture.js';
import { buildModel } from './build-model.js';
import type { DashboardModel } from './model.js';
import { renderDashboard, STATIC_CSP } from './render.js';

async function sampleModel(): Promise<DashboardModel> {
  const events = stageEvents(20);
  events[5] = {
    ...events[5]!,
    stage: '</script><b>x</b>',
    reason: '"quoted" & \'single\'',
    detail: 'a\u2028b',
  };
  return buildModel(await runDir({ metrics: [events], run: { settings: { seed: 42 } } }));
}

describe('renderDashboard', () => {
  it('static: one document, CSP meta, no script, all sections, escaped strings', async () => {
    const html = renderDashboard(await sampleModel());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${STATIC_CSP.replaceAll("'", '&#39;')}">`,
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:|\/\/)/i);
    for (const id of [
      'overview',
      'rates',
      'latency',
      'stages',
      'reasons',
      'position',
      'recent',
      'settings',
      'data-quality',
    ]) {
      expect(html).toMatch(new RegExp(`<section id="${id}"[ >]`));
    }
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('&quot;quoted&quot; &amp; &#39;single&#39;');
  });

  it('is deterministic: same model, same bytes', async () => {
    const model = await sampleModel();
    expect(renderDashboard(model)).toBe(renderDashboard(structuredClone(model)));
  });

  it('live: one nonce script, config JSON escaped for <script>', async () => {
    const model = { ...(await sampleModel()), runDir: '/runs/</script><script>alert(1)</script>\u2028' };
    const html = renderDashboard(model, { live: { nonce: 'abcDEF123456', eventsPath: '/events' } });
    expect(html).toContain('script-src &#39;nonce-abcDEF123456&#39;; connect-src &#39;self&#39;');
    const config = /<script type="application\/json" id="loop-live-config">(.*?)<\/script>/s.exec(html)![1]!;
    expect(config).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(config).runDir).toBe(model.runDir);
    expect(html.match(/<script nonce="abcDEF123456">/g)).toHaveLength(1);
    expect(() => renderDashboard(model, { live: { nonce: "x' 'unsafe-inline", eventsPath: '/e' } })).toThrow(
      expect.objectContaining({ name: 'LoopDashboardError', code: 'LOOP_DASHBOARD_OPTION_INVALID' }),
    );
  });

  it('says no metrics yet for an empty model', async () => {
    expect(renderDashboard(await buildModel(await runDir()))).toContain('No metrics yet');
  });
});
