// Run by bench/run.ts (plain node, the built package): the steady-state cost of `loop run`'s metrics on the
// loop's thread, without process start, module loading, cold code or close. Two seeded loops in one process,
// one without metrics and one with `loop run`'s metrics session (batch flush, writer thread, rotation), step
// in alternating blocks of 2,048 steps, so that the machine's drift hits both alike; the first 20 blocks of
// each are warm-up. Prints one JSON line: ns a step off and on (medians of the blocks) and the median of the
// blocks' own off/on ratios.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prestartWriterThread } from '@loop/metrics/writer-thread';

prestartWriterThread();
const { createLoop, LoopStepper } = await import('@loop/engine');
const { openRunMetrics } = await import('../dist/run-metrics.js');

const BLOCK = 2048;
const BLOCKS = Number(process.env.BENCH_STEADY_BLOCKS ?? 170);
const WARM_UP = 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-cli-steady-'));
// `loop run`'s heartbeat stands in: an observer that does nothing per stage.
const idle = { onStage() {}, onStepEnd() {} };

function loop(observers, setup = createLoop({ seed: 42 })) {
  return { setup, stepper: new LoopStepper({ ...setup, observers }) };
}

const off = loop([idle]);
const onSetup = createLoop({ seed: 42 });
const session = await openRunMetrics(
  { 'enable-metrics': true, 'metrics-flush': 'batch', 'metrics-rotate-max-mb': 50 },
  {
    runDir: path.join(dir, 'run'),
    deterministic: true,
    clock: 'simulated',
    clockNowMs: () => onSetup.clock.now(),
    identity: { version: 'bench', clock: 'simulated', exchange: 'paper', seed: 42, feed: 'synthetic' },
  },
);
const on = loop([idle, session.observer], onSetup);

/** Steps one loop a block, giving the event loop a turn every 256 steps as `runLoop` does; ms. */
async function block({ setup, stepper }) {
  const started = performance.now();
  for (let i = 0; i < BLOCK; i++) {
    if ((i & 255) === 255) await new Promise((resolve) => setImmediate(resolve));
    const candle = setup.feed.next();
    if (candle.timeMs > setup.clock.now()) setup.clock.advanceTo(candle.timeMs);
    stepper.step(candle);
  }
  return performance.now() - started;
}

const offMs = [];
const onMs = [];
for (let b = 0; b < BLOCKS; b++) {
  // Each goes first every other block.
  if (b % 2 === 0) {
    offMs.push(await block(off));
    onMs.push(await block(on));
  } else {
    onMs.push(await block(on));
    offMs.push(await block(off));
  }
}
await session.close();
fs.rmSync(dir, { recursive: true, force: true });

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const offWarm = offMs.slice(WARM_UP);
const onWarm = onMs.slice(WARM_UP);
console.log(
  JSON.stringify({
    steps: offWarm.length * BLOCK,
    offNsPerStep: (median(offWarm) / BLOCK) * 1e6,
    onNsPerStep: (median(onWarm) / BLOCK) * 1e6,
    paired: median(offWarm.map((ms, i) => ms / onWarm[i])),
  }),
);
