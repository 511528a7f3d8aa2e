// The OpenTelemetry bridge with the real SDK from npm: spans -> stage events, stage() -> spans, async context, errors.
import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsWarning } from './input-report.js';
import { type MetricsRecorder, openMetricsRecorder } from './metrics-recorder.js';
import { LoopSpanProcessor, otelStageTracer } from './otel.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

let exporter: InMemorySpanExporter;
let metrics: MetricsRecorder;
let warnings: MetricsWarning[];
beforeEach(() => {
  exporter = new InMemorySpanExporter();
  warnings = [];
  metrics = openMetricsRecorder({ handleProcessExit: false, onWarning: (w) => warnings.push(w) });
});
afterEach(() => {
  metrics.close();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** A provider with our processor and the SDK's in-memory exporter, and an async context manager. */
function basicProvider(): BasicTracerProvider {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return new BasicTracerProvider({
    spanProcessors: [
      new LoopSpanProcessor(metrics, { attributes: ['symbol'] }),
      new SimpleSpanProcessor(exporter),
    ],
  });
}

const byName = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name)!;

describe('LoopSpanProcessor: a bot instrumented with OTel gets Loop stage events', () => {
  it('records spans carrying loop.stage (outcome, reason, step, latency from the duration) and ignores others', async () => {
    const tracer = basicProvider().getTracer('bot');
    await tracer.startActiveSpan('tick', async (root) => {
      await tracer.startActiveSpan('risk check', async (span) => {
        span.setAttributes({ 'loop.stage': 'risk', 'loop.step': 3, symbol: 'ETH', ignored: 'x' });
        await tick();
        span.setAttributes({
          'loop.outcome': 'rejected',
          'loop.reason': 'MAX_POSITION',
          'loop.detail': 'position=3',
        });
        span.end();
      });
      const exec = tracer.startSpan('exec', { attributes: { 'loop.stage': 'exec' } });
      exec.end();
      root.end();
    });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['risk check', 'exec', 'tick']);
    const risk = byName(spans, 'risk check');
    const [riskEvent, execEvent] = metrics.collector.recent();
    expect(riskEvent).toMatchObject({
      stage: 'risk',
      step: 3,
      outcome: 'rejected',
      reason: 'MAX_POSITION',
      detail: 'position=3',
      attrs: { symbol: 'ETH' },
    });
    expect(riskEvent!.latency_ms).toBeCloseTo(risk.duration[0] * 1000 + risk.duration[1] / 1e6, 6);
    expect(riskEvent!.ts).toBeCloseTo(risk.startTime[0] * 1000 + risk.startTime[1] / 1e6, 3);
    expect(execEvent).toMatchObject({ stage: 'exec', step: 3, outcome: 'ok' });
    expect(metrics.collector.stageEventsCount).toBe(2);
    expect(warnings).toEqual([]);
  });

  it('turns an ERROR status into an error event, reason from the recorded exception type', () => {
    const tracer = basicProvider().getTracer('bot');
    const span = tracer.startSpan('send order', { attributes: { 'loop.stage': 'exec' } });
    span.recordException(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'socket hang up' });
    span.end();
    const bare = tracer.startSpan('bare', { attributes: { 'loop.stage': 'exec' } });
    bare.setStatus({ code: SpanStatusCode.ERROR });
    bare.end();
    expect(metrics.collector.recent()).toMatchObject([
      { stage: 'exec', outcome: 'error', reason: 'ECONNRESET', detail: 'socket hang up' },
      { stage: 'exec', outcome: 'error', reason: 'SPAN_ERROR' },
    ]);
  });

  it('reports a bad loop.outcome through the recorder instead of dropping it', () => {
    const tracer = basicProvider().getTracer('bot');
    tracer.startSpan('x', { attributes: { 'loop.stage': 'exec', 'loop.outcome': 'success' } }).end();
    expect(metrics.collector.recent()).toMatchObject([
      { stage: 'exec', outcome: 'error', reason: 'INVALID_EVENT' },
    ]);
    expect(warnings.map((w) => w.kind)).toEqual(['outcome']);
  });

  it('strict mode: a bad span is not thrown into the SDK, and is still counted', () => {
    metrics.close();
    metrics = openMetricsRecorder({ handleProcessExit: false, strict: true });
    const tracer = basicProvider().getTracer('bot');
    expect(() =>
      tracer.startSpan('x', { attributes: { 'loop.stage': 'exec', 'loop.outcome': 'success' } }).end(),
    ).not.toThrow();
    expect(metrics.collector.stageEventsCount).toBe(0);
    expect(metrics.summary().invalid_input).toEqual({ outcome: 1 });
  });
});

describe('metrics.stage() with otelStageTracer: Loop users appear in their tracing backend', () => {
  it('keeps the stage span active across await, nests spans, and counts each stage once', async () => {
    // The usual wiring: the recorder's tracer is the global one, and our processor feeds the same recorder,
    // so the spans stage() made reach the processor too and must not be recorded a second time.
    metrics.close();
    const recorder = openMetricsRecorder({ handleProcessExit: false, tracer: otelStageTracer() });
    metrics = recorder;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({
        spanProcessors: [new LoopSpanProcessor(recorder), new SimpleSpanProcessor(exporter)],
      }),
    );
    const seen: Record<string, string | undefined> = {};
    const activeName = () => (trace.getActiveSpan() as unknown as ReadableSpan | undefined)?.name;
    // Two steps at once: each stage sees its own span after every await.
    await Promise.all(
      [1, 2].map((step) =>
        recorder.stage(
          'step',
          async () => {
            await tick();
            await recorder.stage(
              'exec',
              async (s) => {
                await tick();
                seen[`exec-${step}`] = activeName();
                if (step === 2) s.reject('MAX_POSITION');
              },
              { step },
            );
            seen[`step-${step}`] = activeName();
          },
          { step },
        ),
      ),
    );
    expect(seen).toEqual({ 'exec-1': 'exec', 'exec-2': 'exec', 'step-1': 'step', 'step-2': 'step' });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['exec', 'exec', 'step', 'step']);
    for (const step of [1, 2]) {
      const parent = spans.find((s) => s.name === 'step' && s.attributes['loop.step'] === step)!;
      const child = spans.find((s) => s.name === 'exec' && s.attributes['loop.step'] === step)!;
      expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
      expect(child.attributes).toMatchObject({ 'loop.stage': 'exec', 'loop.recorded': true });
    }
    const rejected = spans.find((s) => s.name === 'exec' && s.attributes['loop.step'] === 2)!;
    expect(rejected.attributes).toMatchObject({ 'loop.outcome': 'rejected', 'loop.reason': 'MAX_POSITION' });
    expect(rejected.status.code).toBe(SpanStatusCode.UNSET);
    // Four stages, four events: the processor skipped the spans stage() made.
    expect(recorder.summary().stage_events_count).toBe(4);
    expect(recorder.summary().outcomes_by_stage).toEqual({
      exec: { ok: 1, rejected: 1, error: 0 },
      step: { ok: 2, rejected: 0, error: 0 },
    });
  });

  it('marks a thrown error on the span (status, exception) and still rethrows it', async () => {
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register(); // the SDK's own async context manager (AsyncLocalStorage) and global provider
    metrics.close();
    metrics = openMetricsRecorder({ handleProcessExit: false, tracer: otelStageTracer() });
    const failure = Object.assign(new Error('insufficient margin'), { code: 'MARGIN' });
    await expect(
      metrics.stage('exec', async () => {
        await tick();
        expect((trace.getActiveSpan() as unknown as ReadableSpan).name).toBe('exec');
        throw failure;
      }),
    ).rejects.toBe(failure);
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'insufficient margin' });
    expect(span!.attributes).toMatchObject({ 'loop.outcome': 'error', 'loop.reason': 'MARGIN' });
    expect(span!.events.map((e) => [e.name, e.attributes?.['exception.type']])).toEqual([
      ['exception', 'MARGIN'],
    ]);
    expect(metrics.collector.recent()).toMatchObject([{ stage: 'exec', outcome: 'error', reason: 'MARGIN' }]);
    await provider.shutdown();
  });
});
