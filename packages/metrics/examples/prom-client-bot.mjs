// The example bot with prom-client: percentiles by a Summary, outcomes by a Counter; no files (scrape only).
import { Counter, Gauge, Registry, Summary } from 'prom-client';
import { LIMIT, makeWorld, STEPS } from './bot-world.mjs';

const registry = new Registry();
const latency = new Summary({
  name: 'stage_latency_seconds',
  help: 'Stage latency',
  labelNames: ['stage'],
  percentiles: [0.5, 0.95, 0.99],
  registers: [registry],
});
const outcomes = new Counter({
  name: 'stage_events_total',
  help: 'Stage outcomes',
  labelNames: ['stage', 'outcome', 'reason'],
  registers: [registry],
});
const positionGauge = new Gauge({ name: 'position', help: 'Position', registers: [registry] });
async function timed(stage, fn) {
  const end = latency.startTimer({ stage });
  try {
    const result = await fn();
    outcomes.inc({ stage, outcome: 'ok', reason: '' });
    return result;
  } catch (error) {
    outcomes.inc({ stage, outcome: 'error', reason: error.code ?? error.name });
    throw error;
  } finally {
    end();
  }
}
const world = makeWorld();
let position = 0;
for (let step = 1; step <= STEPS; step++) {
  const price = await timed('strategy', () => world.price());
  const side = price > 100 ? -1 : 1;
  const end = latency.startTimer({ stage: 'risk' });
  const allowed = Math.abs(position + side) <= LIMIT;
  outcomes.inc({
    stage: 'risk',
    outcome: allowed ? 'ok' : 'rejected',
    reason: allowed ? '' : 'MAX_POSITION',
  });
  end();
  const fill = allowed && (await timed('exec', () => world.send(side)).catch(() => undefined));
  if (fill) position += side;
  positionGauge.set(position);
}
console.log(await registry.metrics());
