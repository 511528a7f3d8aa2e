// The example bot with @loop/metrics: percentiles, rotating NDJSON and an atomic summary file included.
import { openMetricsRecorder } from '@loop/metrics';
import { LIMIT, makeWorld, STEPS } from './bot-world.mjs';

const metrics = openMetricsRecorder({
  runDir: process.argv[2] ?? 'runs/loop-metrics-bot',
  rotate: { maxLines: 1000 },
});
const world = makeWorld();
let position = 0;
for (let step = 1; step <= STEPS; step++) {
  const price = await metrics.stage('strategy', () => world.price());
  const side = price > 100 ? -1 : 1;
  const allowed = metrics.stage('risk', (s) => {
    if (Math.abs(position + side) > LIMIT) s.reject('MAX_POSITION', `position=${position}`);
    return Math.abs(position + side) <= LIMIT;
  });
  const fill = allowed && (await metrics.stage('exec', () => world.send(side)).catch(() => undefined));
  if (fill) position += side;
  metrics.gauge('position').set(position);
  metrics.endStep();
}
metrics.close();
console.log(JSON.stringify(metrics.summary().stages_by_name));
