// The flags of `loop run`: specs for parsing and --help, a zod schema for the values, and the mapping of
// the validated values onto the engine's loop config. No I/O here.
import {
  DEFAULT_LOOP_CONFIG,
  DEFAULT_MA_CROSSOVER,
  DEFAULT_MAX_CONSECUTIVE_ERRORS,
  DEFAULT_PAPER_EXCHANGE,
  DEFAULT_RISK_LIMITS,
  type Feed,
  type LoopConfig,
} from '@loop/engine';
import { z } from 'zod';
import { enumFlag, type FlagSpecs, intFlag, numberFlag, stringFlag } from './flags.js';
import { metricsFlagShape, metricsFlagSpecs } from './run-metrics.js';
import { DEFAULT_PROGRESS_EVERY_S } from './run-progress.js';
import { thresholdFlagShape, thresholdFlagSpecs } from './run-thresholds.js';

const L = DEFAULT_LOOP_CONFIG;
const R = DEFAULT_RISK_LIMITS;
const X = DEFAULT_PAPER_EXCHANGE;
const S = DEFAULT_MA_CROSSOVER;

/** `loop run`'s own flags (the metrics flags are added from run-metrics.ts). */
export const runOwnFlagSpecs: FlagSpecs = {
  'run-dir': {
    type: 'string',
    valueName: 'DIR',
    description: 'directory for run.json, heartbeat and metrics (required)',
  },
  clock: {
    type: 'string',
    valueName: 'simulated|real',
    description: 'simulated is deterministic and runs at full speed',
    defaultText: 'simulated',
  },
  exchange: { type: 'string', valueName: 'paper', description: 'where orders go', defaultText: 'paper' },
  seed: {
    type: 'string',
    valueName: 'N',
    description: 'seeds the synthetic feed, latencies, faults and order ids',
    defaultText: '42',
  },
  'max-steps': {
    type: 'string',
    valueName: 'N',
    description:
      'stop after N steps; required with --clock simulated on the synthetic feed (it never ends: the run would spin a core and, with metrics, fill a disk)',
    defaultText: 'until the feed ends or a signal',
  },
  feed: {
    type: 'string',
    valueName: 'synthetic|FILE',
    description:
      'synthetic prices, or replay of a candle file (CSV, Binance klines or ccxt JSON): a regular file of at most 256 MiB, CSV lines of at most 64 KiB',
    defaultText: 'synthetic',
  },
  'feed-skip-bad-rows': {
    type: 'boolean',
    description: 'skip and count bad rows of the feed file instead of failing',
  },
  'feed-format': {
    type: 'string',
    valueName: 'auto|csv|binance|json',
    description:
      'csv: a header naming timestamp,open,high,low,close,volume (any order, other columns ignored); binance: headerless 12-column klines; json: ccxt [[ts,o,h,l,c,v],...]',
    defaultText: 'auto: detected from the name and first line',
  },
  'feed-timezone': {
    type: 'string',
    valueName: 'UTC|±hh:mm|IANA',
    description:
      'time zone of feed timestamps written without one (2021-12-31 23:01:00); times with a zone keep theirs',
    defaultText: 'none: such timestamps are refused',
  },
  'step-interval-ms': {
    type: 'string',
    valueName: 'MS',
    description: 'real clock: time between steps; synthetic feed: candle interval',
    defaultText: String(L.stepIntervalMs),
  },
  'ma-fast': {
    type: 'string',
    valueName: 'N',
    description: 'strategy: candles in the fast moving average',
    defaultText: String(S.fastPeriod),
  },
  'ma-slow': {
    type: 'string',
    valueName: 'N',
    description: 'strategy: candles in the slow moving average',
    defaultText: String(S.slowPeriod),
  },
  'order-qty': {
    type: 'string',
    valueName: 'Q',
    description: 'strategy: size of the target position',
    defaultText: String(S.quantity),
  },
  'order-type': {
    type: 'string',
    valueName: 'market|limit',
    description: 'strategy: order type',
    defaultText: S.orderType,
  },
  'limit-offset-bps': {
    type: 'string',
    valueName: 'BPS',
    description: 'strategy: limit price distance from the close',
    defaultText: String(S.limitOffsetBps),
  },
  'long-only': { type: 'boolean', description: 'strategy: go flat instead of short' },
  'max-position': {
    type: 'string',
    valueName: 'Q',
    description: 'risk: largest absolute position, open orders included',
    defaultText: String(R.maxPosition),
  },
  'max-notional': {
    type: 'string',
    valueName: 'X',
    description: 'risk: largest quantity x price of one order',
    defaultText: String(R.maxNotionalPerOrder),
  },
  'max-orders-per-sec': {
    type: 'string',
    valueName: 'N',
    description: 'risk: order rate (token bucket refill, clock time)',
    defaultText: String(R.maxOrdersPerSecond),
  },
  'order-burst': {
    type: 'string',
    valueName: 'N',
    description: 'risk: token bucket size',
    defaultText: String(R.orderBurst),
  },
  'price-band-bps': {
    type: 'string',
    valueName: 'BPS',
    description: "risk: largest distance of an order's price from the last price",
    defaultText: String(R.priceBandBps),
  },
  'max-loss': {
    type: 'string',
    valueName: 'X',
    description: 'risk: loss (fees included) at which trading goes to REDUCING',
    defaultText: 'off',
  },
  'max-consecutive-errors': {
    type: 'string',
    valueName: 'N',
    description: 'stage errors in a row that halt trading (the run ends, exit 3)',
    defaultText: String(DEFAULT_MAX_CONSECUTIVE_ERRORS),
  },
  'slippage-bps': {
    type: 'string',
    valueName: 'BPS',
    description: 'paper exchange: market order slippage',
    defaultText: String(X.slippageBps),
  },
  'taker-fee-bps': {
    type: 'string',
    valueName: 'BPS',
    description: 'paper exchange: fee on market order fills',
    defaultText: String(X.takerFeeBps),
  },
  'maker-fee-bps': {
    type: 'string',
    valueName: 'BPS',
    description: 'paper exchange: fee on limit order fills',
    defaultText: String(X.makerFeeBps),
  },
  'initial-cash': {
    type: 'string',
    valueName: 'X',
    description: 'starting cash of the paper account',
    defaultText: String(L.initialCash),
  },
  'sim-latency-ms': {
    type: 'string',
    valueName: 'MS',
    description: 'simulated clock: mean latency of one step, split over the stages',
    defaultText: String(L.simulatedLatencyMs),
  },
  'fault-rate': {
    type: 'string',
    valueName: 'P',
    description: 'chance that a stage throws an injected fault (tests the error path)',
    defaultText: String(L.faultRate),
  },
  'progress-every-s': {
    type: 'string',
    valueName: 'S',
    description:
      'stderr not a terminal: a progress line every S seconds, the first after S (0: none); a terminal gets one line redrawn in place',
    defaultText: String(DEFAULT_PROGRESS_EVERY_S),
  },
  quiet: { type: 'boolean', description: 'print no progress and no summary (errors still go to stderr)' },
  version: { type: 'boolean', description: 'print the versions of loop and its packages' },
};

/** Flags that change only what is printed, not what runs: left out of run.json so the files stay the same. */
const DISPLAY_FLAGS: ReadonlySet<string> = new Set(['progress-every-s', 'quiet']);

/** Every flag of `loop run`, as `--help` lists them. */
export const runFlagSpecs: FlagSpecs = { ...runOwnFlagSpecs, ...metricsFlagSpecs, ...thresholdFlagSpecs };

const bps = () => numberFlag({ min: 0, max: 9_999 });
const positive = () => numberFlag({ min: 0, exclusiveMin: true });

const runOwnFlagShape = {
  'run-dir': stringFlag().optional(),
  clock: enumFlag(['simulated', 'real'] as const).default('simulated'),
  exchange: enumFlag(['paper'] as const).default('paper'),
  seed: intFlag({ min: 0 }).default(42),
  'max-steps': intFlag({ min: 1 }).optional(),
  feed: stringFlag().default('synthetic'),
  'feed-skip-bad-rows': z.boolean().default(false),
  'feed-format': enumFlag(['auto', 'csv', 'binance', 'json'] as const).default('auto'),
  'feed-timezone': stringFlag().optional(),
  'step-interval-ms': intFlag({ min: 1, max: 86_400_000 }).optional(),
  'ma-fast': intFlag({ min: 1, max: 99_999 }).default(S.fastPeriod),
  'ma-slow': intFlag({ min: 2, max: 100_000 }).default(S.slowPeriod),
  'order-qty': positive().default(S.quantity),
  'order-type': enumFlag(['market', 'limit'] as const).default(S.orderType),
  'limit-offset-bps': bps().default(S.limitOffsetBps),
  'long-only': z.boolean().default(false),
  'max-position': positive().default(R.maxPosition),
  'max-notional': positive().default(R.maxNotionalPerOrder),
  'max-orders-per-sec': positive().default(R.maxOrdersPerSecond),
  'order-burst': intFlag({ min: 1 }).default(R.orderBurst),
  'price-band-bps': numberFlag({ min: 0, exclusiveMin: true, max: 1_000_000 }).default(R.priceBandBps),
  'max-loss': positive().optional(),
  'max-consecutive-errors': intFlag({ min: 1 }).default(DEFAULT_MAX_CONSECUTIVE_ERRORS),
  'slippage-bps': bps().default(X.slippageBps),
  'taker-fee-bps': bps().default(X.takerFeeBps),
  'maker-fee-bps': bps().default(X.makerFeeBps),
  'initial-cash': numberFlag({ min: 0 }).default(L.initialCash),
  'sim-latency-ms': numberFlag({ min: 0, exclusiveMin: true, max: 60_000 }).default(L.simulatedLatencyMs),
  'fault-rate': numberFlag({ min: 0, max: 1 }).default(L.faultRate),
  'progress-every-s': numberFlag({ min: 0, max: 86_400 }).default(DEFAULT_PROGRESS_EVERY_S),
  quiet: z.boolean().default(false),
  version: z.boolean().default(false),
};

const runFlagShape = { ...runOwnFlagShape, ...metricsFlagShape, ...thresholdFlagShape };

/** The schema of `loop run`'s flags, cross-field rules included; issues name the flag. */
export const runFlagSchema = z.object(runFlagShape).superRefine((v, ctx) => {
  if (v.version) return;
  if (v['run-dir'] === undefined) ctx.addIssue({ code: 'custom', path: ['run-dir'], message: 'is required' });
  if (v['ma-slow'] <= v['ma-fast']) {
    ctx.addIssue({
      code: 'custom',
      path: ['ma-slow'],
      message: `must be more than --ma-fast (${v['ma-fast']})`,
    });
  }
  if (v['step-interval-ms'] !== undefined && v.clock === 'simulated' && v.feed !== 'synthetic') {
    ctx.addIssue({
      code: 'custom',
      path: ['step-interval-ms'],
      message:
        "a simulated replay steps at the file's candle times; use it with --clock real or the synthetic feed",
    });
  }
  // Last: a more specific issue above is the one to report.
  if (v.clock === 'simulated' && v.feed === 'synthetic' && v['max-steps'] === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['max-steps'],
      message:
        'is required for a simulated run on the synthetic feed, which never ends: pass --max-steps N (or --clock real, or --feed FILE)',
    });
  }
});

/** Validated values of every `loop run` flag. */
export type RunFlagValues = z.output<typeof runFlagSchema>;

/** The settings recorded in run.json: every flag but --run-dir, --version and the display flags, defaults filled in, unset as null. */
export function recordedSettings(values: RunFlagValues): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const name of Object.keys(runFlagSpecs)) {
    // Thresholds judge the run; they are not its settings (and would make every run.json differ).
    if (name === 'run-dir' || name === 'version' || DISPLAY_FLAGS.has(name) || name in thresholdFlagSpecs)
      continue;
    settings[name] = (values as Record<string, unknown>)[name] ?? null;
  }
  settings['step-interval-ms'] =
    values['step-interval-ms'] ??
    (values.feed === 'synthetic' || values.clock === 'real' ? L.stepIntervalMs : null);
  return settings;
}

/** Maps the validated flags onto the engine's loop config. */
export function loopConfig(values: RunFlagValues, feed: Feed | undefined): LoopConfig {
  return {
    seed: values.seed,
    clock: values.clock,
    feed,
    stepIntervalMs: values['step-interval-ms'],
    strategy: {
      fastPeriod: values['ma-fast'],
      slowPeriod: values['ma-slow'],
      quantity: values['order-qty'],
      orderType: values['order-type'],
      limitOffsetBps: values['limit-offset-bps'],
      allowShort: !values['long-only'],
    },
    risk: {
      maxPosition: values['max-position'],
      maxNotionalPerOrder: values['max-notional'],
      maxOrdersPerSecond: values['max-orders-per-sec'],
      orderBurst: values['order-burst'],
      priceBandBps: values['price-band-bps'],
      maxLoss: values['max-loss'],
    },
    exchange: {
      slippageBps: values['slippage-bps'],
      takerFeeBps: values['taker-fee-bps'],
      makerFeeBps: values['maker-fee-bps'],
    },
    initialCash: values['initial-cash'],
    simulatedLatencyMs: values['sim-latency-ms'],
    faultRate: values['fault-rate'],
    maxConsecutiveErrors: values['max-consecutive-errors'],
  };
}
