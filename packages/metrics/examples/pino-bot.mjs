// The example bot with pino: one JSON line per stage to a file; no percentiles, no rotation, no summary.
import { pino } from 'pino';
import { LIMIT, makeWorld, STEPS } from './bot-world.mjs';

const log = pino(
  { base: null },
  pino.destination({ dest: process.argv[2] ?? 'pino-bot.ndjson', sync: true }),
);
async function timed(step, stage, fn) {
  const start = performance.now();
  try {
    const result = await fn();
    log.info({ step, stage, outcome: 'ok', latency_ms: performance.now() - start });
    return result;
  } catch (error) {
    log.info({
      step,
      stage,
      outcome: 'error',
      reason: error.code ?? error.name,
      latency_ms: performance.now() - start,
    });
    throw error;
  }
}
const world = makeWorld();
let position = 0;
for (let step = 1; step <= STEPS; step++) {
  const price = await timed(step, 'strategy', () => world.price());
  const side = price > 100 ? -1 : 1;
  const start = performance.now();
  const allowed = Math.abs(position + side) <= LIMIT;
  const reason = allowed ? undefined : 'MAX_POSITION';
  log.info({
    step,
    stage: 'risk',
    outcome: allowed ? 'ok' : 'rejected',
    reason,
    latency_ms: performance.now() - start,
  });
  const fill = allowed && (await timed(step, 'exec', () => world.send(side)).catch(() => undefined));
  if (fill) position += side;
  log.info({ step, position });
}
