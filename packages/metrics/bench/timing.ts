// Benchmarks of the timing API and the OpenTelemetry bridge, each against its floor measured in the same run:
// stage() vs a hand-timed record(), and the LoopSpanProcessor's cost per span vs the OTel SDK alone.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { openMetricsRecorder } from '../src/index.js';
import { LoopSpanProcessor, otelStageTracer } from '../src/otel.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Mean ns per call of each contender, best of `ROUNDS` interleaved rounds (warm-up round first). */
async function bestOf(
  n: number,
  contenders: Record<string, (n: number) => void | Promise<void>>,
): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (let round = -1; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const count = round < 0 ? Math.min(n, 50_000) : n;
      const t0 = process.hrtime.bigint();
      await run(count);
      const ns = Number(process.hrtime.bigint() - t0) / count;
      if (round >= 0) best[name] = Math.min(best[name] ?? Number.POSITIVE_INFINITY, ns);
    }
  }
  return best;
}

const recorder = () => openMetricsRecorder({ handleProcessExit: false, recentCapacity: 1024 });

/** Each contender gets a fresh memory-only recorder, so one's histograms and ring do not colour another's. */
function withRecorder(run: (metrics: ReturnType<typeof recorder>, n: number) => void | Promise<void>) {
  return async (n: number) => {
    const metrics = recorder();
    await run(metrics, n);
    metrics.close();
  };
}

/** stage() (sync and async) against the record() a bot would write by hand around the same work. */
export async function stageOverhead(n = Number(process.env.BENCH_STAGE_CALLS ?? 1_000_000)): Promise<void> {
  let sink = 0;
  const work = () => {
    sink++;
    return sink;
  };
  const event = { ts: 1_700_000_000_000, step: 1, stage: 'exec', outcome: 'ok', latency_ms: 0.05 } as const;
  const sync = await bestOf(n, {
    'record(prebuilt event)': withRecorder((metrics, count) => {
      for (let i = 0; i < count; i++) metrics.record(event);
    }),
    'hand-timed record()': withRecorder((metrics, count) => {
      for (let i = 0; i < count; i++) {
        const ts = Date.now();
        const start = performance.now();
        work();
        metrics.record({ ts, step: 1, stage: 'exec', outcome: 'ok', latency_ms: performance.now() - start });
      }
    }),
    'stage(sync)': withRecorder((metrics, count) => {
      for (let i = 0; i < count; i++) metrics.stage('exec', work);
    }),
    'start()/end()': withRecorder((metrics, count) => {
      for (let i = 0; i < count; i++) {
        const timer = metrics.start('exec');
        work();
        timer.end();
      }
    }),
  });
  const asyncWork = async () => work();
  const asyncCalls = Math.max(1, Math.floor(n / 4));
  const async = await bestOf(asyncCalls, {
    'hand-timed record() around await': withRecorder(async (metrics, count) => {
      for (let i = 0; i < count; i++) {
        const ts = Date.now();
        const start = performance.now();
        await asyncWork();
        metrics.record({ ts, step: 1, stage: 'exec', outcome: 'ok', latency_ms: performance.now() - start });
      }
    }),
    'await stage(async)': withRecorder(async (metrics, count) => {
      for (let i = 0; i < count; i++) await metrics.stage('exec', asyncWork);
    }),
  });
  const floor = sync['hand-timed record()']!;
  console.log(
    `\nTiming API: ns per stage, memory-only recorder, best of ${ROUNDS} rounds (${fmt(n)} calls):`,
  );
  for (const [label, ns] of Object.entries(sync)) {
    console.log(
      `  ${label.padEnd(36)} ${fmt(ns, 1).padStart(8)} ns  (${fmt(ns - floor, 1)} ns over hand-timed)`,
    );
  }
  const asyncFloor = async['hand-timed record() around await']!;
  for (const [label, ns] of Object.entries(async)) {
    console.log(
      `  ${label.padEnd(36)} ${fmt(ns, 1).padStart(8)} ns  (${fmt(ns - asyncFloor, 1)} ns over hand-timed)`,
    );
  }
  console.log(
    `  stage() overhead over a hand-timed record(): sync ${fmt(sync['stage(sync)']! - floor, 1)} ns, ` +
      `async ${fmt(async['await stage(async)']! - asyncFloor, 1)} ns (target <= 100 ns); ` +
      `over record() of a prebuilt event (no clock reads): ${fmt(sync['stage(sync)']! - sync['record(prebuilt event)']!, 1)} ns`,
  );
  if (sink < 0) console.log(sink);
}

/** Per span: the OTel SDK alone, with LoopSpanProcessor added, and stage() with otelStageTracer. */
export async function otelBridgeCost(n = Number(process.env.BENCH_SPANS ?? 200_000)): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const metrics = recorder();
  const alone = new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] }).getTracer('bench');
  const bridged = new BasicTracerProvider({
    spanProcessors: [new NoopSpanProcessor(), new LoopSpanProcessor(metrics)],
  }).getTracer('bench');
  const traced = openMetricsRecorder({ handleProcessExit: false, tracer: otelStageTracer(alone) });
  const plain = recorder();
  const attributes = { 'loop.stage': 'exec', 'loop.step': 1 };
  const work = () => 1;
  const result = await bestOf(n, {
    'SDK alone: startSpan + end': (count) => {
      for (let i = 0; i < count; i++) alone.startSpan('exec', { attributes }).end();
    },
    'SDK + LoopSpanProcessor': (count) => {
      for (let i = 0; i < count; i++) bridged.startSpan('exec', { attributes }).end();
    },
    'stage() without a tracer': (count) => {
      for (let i = 0; i < count; i++) plain.stage('exec', work);
    },
    'stage() with otelStageTracer': (count) => {
      for (let i = 0; i < count; i++) traced.stage('exec', work);
    },
  });
  for (const r of [metrics, traced, plain]) r.close();
  context.disable();
  const sdk = result['SDK alone: startSpan + end']!;
  console.log(
    `\nOpenTelemetry bridge: ns per span, SDK 2.x BasicTracerProvider, best of ${ROUNDS} rounds (${fmt(n)} spans):`,
  );
  for (const [label, ns] of Object.entries(result)) {
    console.log(`  ${label.padEnd(36)} ${fmt(ns, 1).padStart(8)} ns  (${fmt(ns / sdk, 2)}x the SDK alone)`);
  }
  console.log(
    `  LoopSpanProcessor cost per span: ${fmt(result['SDK + LoopSpanProcessor']! - sdk, 1)} ns over the SDK alone ` +
      `(${fmt(((result['SDK + LoopSpanProcessor']! - sdk) / sdk) * 100, 0)}%); ` +
      `a traced stage() costs ${fmt(result['stage() with otelStageTracer']! - result['stage() without a tracer']!, 1)} ns more than an untraced one`,
  );
}
