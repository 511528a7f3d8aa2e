import type { StepReport } from '@loop/engine';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RunHealthMetrics } from './run-health-metrics.js';

const identity = {
  version: '1.2.3',
  clock: 'real',
  exchange: 'paper',
  seed: 7,
  feed: 'synthetic',
  run_dir: '/runs/eth-1',
};

function step(n: number, tradingState: StepReport['tradingState']): StepReport {
  return {
    step: n,
    timeMs: 0,
    price: 1,
    position: 0,
    averageEntry: 0,
    realizedPnl: 0,
    unrealizedPnl: 0,
    feesPaid: 0,
    equity: 0,
    orders: 0,
    fills: 0,
    rejections: 0,
    errors: 0,
    tradingState,
  };
}

describe('RunHealthMetrics', () => {
  it('exports progress, the trading state, writer failures and the identity, each with the bot label', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ bot: 'eth-1' });
    let wall = 1_700_000_000_000;
    const failures = { write_errors: 0, lines_dropped: 0 };
    const health = new RunHealthMetrics(
      registry,
      identity,
      () => failures,
      () => wall,
    );

    let text = await registry.metrics();
    expect(text).not.toMatch(/^loop_last_step_timestamp_seconds/m); // no step yet: no progress to report
    expect(text).toContain('loop_trading_state{state="ACTIVE",bot="eth-1"} 1');

    health.onStepEnd(step(1, 'ACTIVE'));
    wall += 2500;
    health.onStepEnd(step(2, 'REDUCING'));
    failures.write_errors = 3;
    failures.lines_dropped = 12;
    text = await registry.metrics();
    expect(text).toContain('loop_last_step_timestamp_seconds{bot="eth-1"} 1700000002.5');
    expect(text).toContain('loop_trading_state{state="ACTIVE",bot="eth-1"} 0');
    expect(text).toContain('loop_trading_state{state="REDUCING",bot="eth-1"} 1');
    expect(text).toContain('loop_trading_state{state="HALTED",bot="eth-1"} 0');
    expect(text).toContain('# TYPE loop_metrics_write_errors_total counter');
    expect(text).toContain('loop_metrics_write_errors_total{bot="eth-1"} 3');
    expect(text).toContain('loop_metrics_lines_dropped_total{bot="eth-1"} 12');
    expect(text).toContain(
      'loop_run_info{version="1.2.3",clock="real",exchange="paper",seed="7",feed="synthetic",run_dir="/runs/eth-1",bot="eth-1"} 1',
    );

    health.setTradingState('HALTED');
    expect(await registry.metrics()).toContain('loop_trading_state{state="HALTED",bot="eth-1"} 1');
  });

  it('a failing writer-figures read does not fail the scrape', async () => {
    const registry = new Registry();
    new RunHealthMetrics(registry, identity, () => {
      throw new Error('gone');
    });
    expect(await registry.metrics()).toContain('loop_metrics_write_errors_total 0');
  });

  it('leaves the writer counters to the exporter when it already registers them', async () => {
    const registry = new Registry();
    registry.registerMetric({
      name: 'loop_metrics_write_errors_total',
      help: 'from the exporter',
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        name: 'loop_metrics_write_errors_total',
        help: 'from the exporter',
        type: 'counter',
        aggregator: 'sum',
        values: [{ value: 5, labels: {} }],
      }),
      reset: () => {},
    } as unknown as Parameters<Registry['registerMetric']>[0]);
    new RunHealthMetrics(registry, identity, () => ({ write_errors: 1, lines_dropped: 2 }));
    const text = await registry.metrics();
    expect(text).toContain('loop_metrics_write_errors_total 5');
    expect(text).toContain('loop_metrics_lines_dropped_total 2');
  });
});
