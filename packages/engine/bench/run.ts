// `pnpm bench`: simulated steps per second of the whole loop (four stages, synthetic feed, simulated
// latency), with a no-op observer and with a counting observer, and their ratio.
import { performance } from 'node:perf_hooks';
import {
  createLoop,
  runLoop,
  STAGES,
  type StageName,
  type StageObserver,
  type StageReport,
} from '../src/index.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const noop: StageObserver = { onStage() {}, onStepEnd() {} };

/** Counts stage invocations by stage and outcome: what a cheap metrics observer does. */
function countingObserver(): StageObserver {
  const counts = Object.fromEntries(
    STAGES.map((stage) => [stage, { ok: 0, rejected: 0, error: 0 }]),
  ) as Record<StageName, Record<StageReport['outcome'], number>>;
  const totals = { steps: 0 };
  return {
    onStage(report) {
      counts[report.stage][report.outcome]++;
    },
    onStepEnd() {
      totals.steps++;
    },
  };
}

async function stepsPerSecond(observer: StageObserver): Promise<number> {
  const setup = createLoop({ seed: 42 });
  const start = performance.now();
  const result = await runLoop({ ...setup, observers: [observer], maxSteps: STEPS });
  const seconds = (performance.now() - start) / 1000;
  if (result.stats.steps !== STEPS) throw new Error(`ran ${result.stats.steps} steps, expected ${STEPS}`);
  return STEPS / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

await stepsPerSecond(noop); // warm-up: let the JIT settle before measuring
const noopRates: number[] = [];
const countingRates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate so drift in machine load hits both equally.
  noopRates.push(await stepsPerSecond(noop));
  countingRates.push(await stepsPerSecond(countingObserver()));
}
const a = median(noopRates);
const b = median(countingRates);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(
  `engine bench: ${fmt(STEPS)} simulated steps x ${ROUNDS} rounds (median), Node ${process.version}`,
);
console.log(`  no-op observer:     ${fmt(a)} steps/s (${fmt(a * 4)} stage reports/s)`);
console.log(`  counting observer:  ${fmt(b)} steps/s`);
console.log(`  ratio counting/no-op: ${(b / a).toFixed(3)}`);
