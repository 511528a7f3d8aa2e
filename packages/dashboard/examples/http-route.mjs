// A bot's own HTTP server with a /dashboard route: the page is rendered from the events the bot holds in memory.
import { createServer } from 'node:http';
import { buildModelFromEvents, renderDashboard, STATIC_CSP } from '@loop/dashboard';
import { StageMetricsCollector } from '@loop/metrics';

// The bot records its stage events (here 200 simulated steps); the collector keeps the last 5,000 and totals.
const metrics = new StageMetricsCollector({ recentCapacity: 5_000 });
const startedMs = Date.now();
for (let step = 1; step <= 200; step++) {
  for (const stage of ['strategy', 'risk', 'exec', 'position']) {
    const rejected = stage === 'risk' && step % 9 === 0;
    metrics.record({
      ts: startedMs + step * 1_000,
      step,
      stage,
      outcome: rejected ? 'rejected' : 'ok',
      ...(rejected ? { reason: 'MAX_POSITION' } : {}),
      latency_ms: 0.2 + (step % 7) / 10,
    });
  }
  metrics.count('processed');
}

const server = createServer((request, response) => {
  if (request.url !== '/dashboard') return void response.writeHead(404).end('try /dashboard\n');
  const model = buildModelFromEvents(metrics.recent(), {
    summary: metrics.summary({ nowMs: Date.now(), processStartMs: startedMs, pid: process.pid }),
    label: 'my-bot',
  });
  response
    .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': STATIC_CSP })
    .end(renderDashboard(model));
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`dashboard at http://127.0.0.1:${server.address().port}/dashboard`);
});
