import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatGauge,
  formatMs,
  formatTime,
} from './display-format.js';

describe('display formatting', () => {
  it('groups counts and keeps fractions', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-1234.5)).toBe('-1,234.5');
  });

  it('formats latencies at microsecond resolution below a second', () => {
    expect(formatMs(0)).toBe('0.000');
    expect(formatMs(0.1234)).toBe('0.123');
    expect(formatMs(999.9994)).toBe('999.999');
    expect(formatMs(12345.67)).toBe('12,345.7');
  });

  it('formats gauges, times, durations and sizes without locale or time zone', () => {
    expect(formatGauge(10046.50001)).toBe('10,046.5');
    expect(formatTime(Date.UTC(2019, 2, 29, 1, 2, 3))).toBe('2019-03-29 01:02:03Z');
    expect(formatTime(Date.UTC(2019, 2, 29, 1, 2, 3, 45))).toBe('2019-03-29 01:02:03.045Z');
    expect(formatTime(Date.UTC(2019, 2, 29), { millis: true })).toBe('2019-03-29 00:00:00.000Z');
    expect(formatTime(null)).toBe('—');
    expect(formatTime(1e20)).toBe('100000000000000000000');
    expect([10, 2000, 300_000, 7_200_000, 172_800_000].map(formatDuration)).toEqual([
      '10 ms',
      '2 s',
      '5 min',
      '2 h',
      '2 d',
    ]);
    expect([512, 12_595, 5_033_164].map(formatBytes)).toEqual(['512 B', '12.3 KiB', '4.8 MiB']);
  });
});
