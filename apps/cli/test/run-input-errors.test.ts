// Bad input: one line naming the flag or the file and line, exit 2, nothing written to the run dir.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loop, readRunDir, tempDir } from './harness.js';

const cases: Array<[string, string[], RegExp]> = [
  ['unknown flag', ['--fast'], /^loop run: unknown flag --fast \(see --help\)$/],
  ['--seed abc', ['--seed', 'abc'], /^loop run: --seed: expected a whole number, got "abc"$/],
  ['--clock fast', ['--clock', 'fast'], /^loop run: --clock: expected one of simulated, real, got "fast"$/],
  ['--max-steps -1', ['--max-steps', '-1'], /^loop run: --max-steps: expected a number >= 1, got "-1"$/],
  ['--max-steps 0', ['--max-steps', '0'], /^loop run: --max-steps: expected a number >= 1, got "0"$/],
  [
    '--exchange binance',
    ['--exchange', 'binance'],
    /^loop run: --exchange: expected one of paper, got "binance"$/,
  ],
  ['--seed without value', ['--seed'], /^loop run: --seed: a value is required$/],
  ['--seed followed by a flag', ['--seed', '--clock', 'real'], /^loop run: --seed: a value is required$/],
  ['--seed twice', ['--seed', '1', '--seed', '2'], /^loop run: --seed: given more than once$/],
  [
    '--feed-skip-bad-rows with the synthetic feed',
    ['--feed-skip-bad-rows'],
    /^loop run: --feed-skip-bad-rows needs --feed <file>/,
  ],
  [
    '--metrics-host without --metrics-port',
    ['--enable-metrics', '--metrics-host', '127.0.0.1'],
    /^loop run: --metrics-host needs --metrics-port$/,
  ],
  [
    '--metrics-host that does not resolve',
    ['--enable-metrics', '--metrics-port', '0', '--metrics-host', 'no such host!'],
    /^loop run: --metrics-host: cannot serve \/metrics on no such host!:0: ENOTFOUND/,
  ],
  [
    '--bot-name without --metrics-port',
    ['--bot-name', 'eth-1'],
    /^loop run: --bot-name needs --metrics-port$/,
  ],
  [
    '--bot-name with a space',
    ['--metrics-port', '0', '--bot-name', 'my bot'],
    /^loop run: --bot-name: expected 1-64 letters, digits or _ \. - : @ \(starting with a letter or digit\)$/,
  ],
  [
    '--metrics-flush never',
    ['--max-steps', '5', '--enable-metrics', '--metrics-flush', 'never'],
    /^loop run: --metrics-flush: expected one of step, interval, batch, got "never"$/,
  ],
  [
    '--metrics-max-total-mb -1',
    ['--max-steps', '5', '--enable-metrics', '--metrics-max-total-mb', '-1'],
    /^loop run: --metrics-max-total-mb: expected a number from 0 to/,
  ],
  [
    '--metrics-max-total-mb without --enable-metrics',
    ['--max-steps', '5', '--metrics-max-total-mb', '10'],
    /^loop run: --metrics-max-total-mb needs --enable-metrics$/,
  ],
  [
    '--fault-rate 2',
    ['--fault-rate', '2'],
    /^loop run: --fault-rate: expected a number from 0 to 1, got "2"$/,
  ],
  [
    '--ma-slow <= --ma-fast',
    ['--ma-fast', '10', '--ma-slow', '10'],
    /^loop run: --ma-slow: must be more than --ma-fast \(10\)$/,
  ],
  ['--order-qty 0', ['--order-qty', '0'], /^loop run: --order-qty: expected a number > 0, got "0"$/],
  [
    'missing feed file',
    ['--feed', 'no/such/feed.csv'],
    /^loop run: --feed: no\/such\/feed\.csv: cannot read the feed file: no such file$/,
  ],
  [
    '--step-interval-ms with a simulated replay',
    ['--feed', 'examples/data/btc-usd-1m-2019-03-29.csv', '--step-interval-ms', '10'],
    /^loop run: --step-interval-ms: a simulated replay steps at the file's candle times/,
  ],
];

describe('loop run: bad input', () => {
  it.each(cases)('%s', async (_name, args, message) => {
    const dir = join(tempDir(), 'run');
    // A bound, so that the case's own error is the one reported (a simulated synthetic run needs one).
    const bounded = args.includes('--max-steps') ? args : ['--max-steps', '5', ...args];
    const r = await loop(['run', '--run-dir', dir, ...bounded]);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(r.stdout).toBe('');
    expect(String(r.stderr).split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('refuses a simulated run on the endless synthetic feed without --max-steps, saying what to pass', async () => {
    for (const args of [[], ['--enable-metrics'], ['--clock', 'simulated', '--seed', '3']]) {
      const dir = join(tempDir(), 'run');
      const r = await loop(['run', '--run-dir', dir, ...args]);
      expect(r.exitCode, String(r.stderr)).toBe(2);
      expect(r.stderr).toBe(
        'loop run: --max-steps: is required for a simulated run on the synthetic feed, which never ends: pass --max-steps N (or --clock real, or --feed FILE)',
      );
      expect(() => readdirSync(dir)).toThrow(/ENOENT/);
    }
  });

  it('requires --run-dir', async () => {
    const r = await loop(['run', '--max-steps', '5']);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(r.stderr).toBe('loop run: --run-dir: is required');
  });

  it('names the line of a corrupt JSON feed and of a bad row, and leaves an existing run dir as it was', async () => {
    const dir = join(tempDir(), 'run');
    mkdirSync(dir);
    writeFileSync(join(dir, 'run.json'), '{"from":"an earlier run"}\n');
    const feeds = tempDir();
    writeFileSync(
      join(feeds, 'corrupt.json'),
      '[\n  [1709251200000, 1, 1, 1, 1, 0],\n  [1709251260000, 1, 1, 1, 1, 0\n',
    );
    writeFileSync(
      join(feeds, 'bad-row.json'),
      '[\n  [1709251200000, 1, 1, 1, 1, 0],\n  [1709251260000, 1, 1, 2, 1, 0]\n]\n',
    );
    writeFileSync(join(feeds, 'empty.csv'), 'timestamp,open,high,low,close,volume\n');
    const expectations: Array<[string, RegExp]> = [
      ['corrupt.json', /^loop run: --feed: .*corrupt\.json:\d: invalid JSON: /],
      [
        'bad-row.json',
        /^loop run: --feed: .*bad-row\.json:3: low 2 is above min\(open, close\) 1 \(--feed-skip-bad-rows skips bad rows\)$/,
      ],
      ['empty.csv', /^loop run: --feed: .*empty\.csv: no candles$/],
    ];
    for (const [file, message] of expectations) {
      const r = await loop(['run', '--run-dir', dir, '--feed', join(feeds, file)]);
      expect(r.exitCode, String(r.stderr)).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(readdirSync(dir)).toEqual(['run.json']);
      expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe('{"from":"an earlier run"}\n');
    }
  });

  it('leaves no run dir behind when the metrics side refuses its flags (when this build has them)', async () => {
    const help = await loop(['run', '--help']);
    if (!String(help.stdout).includes('--metrics-rotate-max-lines')) return;
    const dir = join(tempDir(), 'run');
    const r = await loop(['run', '--run-dir', dir, '--max-steps', '5', '--metrics-rotate-max-lines', '5']);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(r.stderr).toMatch(/^loop run: --metrics-rotate-max-lines/);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('names --run-dir when its parent is a file', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await loop(['run', '--run-dir', join(file, 'sub'), '--max-steps', '5']);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(r.stderr).toMatch(/^loop run: --run-dir: cannot create ".*not-a-dir\/sub": ENOTDIR/);
    expect(String(r.stderr).split('\n')).toHaveLength(1);
    // Under /proc, Node 20's recursive mkdir would retry forever: it must fail at once.
    const proc = await loop(['run', '--run-dir', '/proc/loop-no-such/run', '--max-steps', '5']);
    expect(proc.exitCode, String(proc.stderr)).toBe(2);
    expect(proc.stderr).toMatch(/^loop run: --run-dir: cannot create "\/proc\/loop-no-such\/run": ENOENT/);
  });

  it('leaves the previous run untouched when the metrics port is busy (exit 1)', async () => {
    const dir = join(tempDir(), 'run');
    expect((await loop(['run', '--run-dir', dir, '--max-steps', '20', '--enable-metrics'])).exitCode).toBe(0);
    // Everything but the heartbeat, which is only ever touched.
    const files = () => Object.entries(readRunDir(dir)).filter(([name]) => name !== 'heartbeat');
    const before = files();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((busy.address() as AddressInfo).port);
      const r = await loop([
        'run',
        '--run-dir',
        dir,
        '--max-steps',
        '5',
        '--enable-metrics',
        '--metrics-port',
        port,
      ]);
      expect(r.exitCode, String(r.stderr)).toBe(1);
      expect(r.stderr).toMatch(/^loop run: metrics: cannot serve \/metrics on 127\.0\.0\.1:\d+: EADDRINUSE/);
    } finally {
      busy.close();
    }
    expect(files()).toEqual(before);
  });

  it('refuses a --run-dir that is a file', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await loop(['run', '--run-dir', file, '--max-steps', '5']);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(r.stderr).toBe(`loop run: --run-dir: "${file}" exists and is not a directory`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});
