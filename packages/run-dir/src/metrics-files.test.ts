import { describe, expect, it } from 'vitest';
import { orderMetricsFiles } from './metrics-files.js';

describe('orderMetricsFiles', () => {
  it('orders rotated files numerically, oldest first, and the current file last', () => {
    const names = [
      'metrics.ndjson',
      'metrics.ndjson.10',
      'run.json',
      'metrics.ndjson.2',
      'metrics.ndjson.1',
      'metrics.ndjson.9',
    ];
    expect(orderMetricsFiles('/r', names).map((f) => f.name)).toEqual([
      'metrics.ndjson.1',
      'metrics.ndjson.2',
      'metrics.ndjson.9',
      'metrics.ndjson.10',
      'metrics.ndjson',
    ]);
  });

  it('ignores names that only look like rotated files', () => {
    const names = [
      'metrics.ndjson.0',
      'metrics.ndjson.01',
      'metrics.ndjson.x',
      'metrics.ndjson.3.tmp',
      'metrics.ndjson.tmp',
      'metrics_summary.json',
    ];
    expect(orderMetricsFiles('/r', names)).toEqual([]);
  });
});
