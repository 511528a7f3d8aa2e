// Simulated stage latency and injected faults: seeded, so a simulated run's timings and failures repeat.
import { assertConfig } from './errors.js';
import type { StageName } from './observer.js';
import type { Rng } from './rng.js';

/** How long a stage takes under a simulated clock. */
export interface LatencyModel {
  /** Milliseconds the clock moves during one invocation of `stage`; > 0. */
  sample(stage: StageName): number;
}

/** Share of a step's mean latency each stage takes in {@link SimulatedLatency.forStep}. */
export const STAGE_LATENCY_SHARE: Readonly<Record<StageName, number>> = Object.freeze({
  strategy: 0.3,
  risk: 0.1,
  exec: 0.5,
  position: 0.1,
});

/**
 * Log-normal latencies around a mean per stage, rounded to the microsecond and never below 1 µs, so
 * percentiles spread (p99 is about 3x the median with the default `sigma` 0.5).
 */
export class SimulatedLatency implements LatencyModel {
  readonly #rng: Rng;
  readonly #medians: Record<StageName, number>;
  readonly #sigma: number;

  /**
   * @param rng the latency's own stream (e.g. `rng.fork('latency')`).
   * @param meanMs mean latency of each stage, ms.
   * @param sigma spread of the log-normal distribution.
   */
  constructor(rng: Rng, meanMs: Readonly<Record<StageName, number>>, sigma = 0.5) {
    assertConfig(sigma >= 0 && sigma <= 3, 'sigma', 'must be in [0, 3]');
    const correction = Math.exp((sigma * sigma) / 2);
    const medians = {} as Record<StageName, number>;
    for (const [stage, mean] of Object.entries(meanMs) as [StageName, number][]) {
      assertConfig(mean > 0 && Number.isFinite(mean), `latency.${stage}`, 'must be > 0');
      medians[stage] = mean / correction;
    }
    this.#rng = rng;
    this.#medians = medians;
    this.#sigma = sigma;
  }

  /** A model whose stages add up to `stepMeanMs` on average, split by {@link STAGE_LATENCY_SHARE}. */
  static forStep(rng: Rng, stepMeanMs: number, sigma = 0.5): SimulatedLatency {
    assertConfig(stepMeanMs > 0 && Number.isFinite(stepMeanMs), 'stepMeanMs', 'must be > 0');
    const s = STAGE_LATENCY_SHARE;
    return new SimulatedLatency(
      rng,
      {
        strategy: stepMeanMs * s.strategy,
        risk: stepMeanMs * s.risk,
        exec: stepMeanMs * s.exec,
        position: stepMeanMs * s.position,
      },
      sigma,
    );
  }

  /** A seeded log-normal latency for one invocation of `stage`, ms, in whole microseconds and >= 0.001. */
  sample(stage: StageName): number {
    const ms = this.#medians[stage] * Math.exp(this.#sigma * this.#rng.normal());
    return Math.max(1, Math.round(ms * 1000)) / 1000;
  }
}

/** Decides which stage invocations fail on purpose (to exercise the error path). */
export interface FaultSource {
  /** Whether this invocation of `stage` throws an {@link InjectedFault}. */
  fails(stage: StageName): boolean;
}

/** Makes any stage throw with a seeded probability (`--fault-rate`). */
export class FaultInjector implements FaultSource {
  /** Chance that one stage invocation fails, in [0, 1]. */
  readonly probability: number;
  readonly #rng: Rng;

  /** @param rng the faults' own stream (e.g. `rng.fork('faults')`). */
  constructor(rng: Rng, probability: number) {
    assertConfig(probability >= 0 && probability <= 1, 'faultRate', 'must be in [0, 1]');
    this.#rng = rng;
    this.probability = probability;
  }

  /** Whether this invocation fails. */
  fails(): boolean {
    return this.probability > 0 && this.#rng.chance(this.probability);
  }
}

/** The error an injected fault throws; reported with reason `FAULT_INJECTED`. */
export class InjectedFault extends Error {
  /** Always `InjectedFault`. */
  override name = 'InjectedFault';
  /** @param stage the stage that fails; the message is `injected fault in <stage>`. */
  constructor(stage: StageName) {
    super(`injected fault in ${stage}`);
  }
}
