import { describe, expect, it } from 'vitest';
import { EventFanout, type ListenerFailureKind } from './event-fanout.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('EventFanout', () => {
  it('calls every listener in order; the unsubscribe function removes one listener, once', () => {
    const fanout = new EventFanout<number>();
    const seen: string[] = [];
    fanout.add((n) => seen.push(`a${n}`));
    const offB = fanout.add((n) => seen.push(`b${n}`));
    fanout.emit(1);
    offB();
    offB();
    fanout.emit(2);
    expect(seen).toEqual(['a1', 'b1', 'a2']);
    expect(fanout.size).toBe(1);
  });

  it('a listener that throws or rejects is counted; the others still run and emit neither throws nor waits', async () => {
    const failures: { kind: ListenerFailureKind; first: boolean; event: number }[] = [];
    const fanout = new EventFanout<number>((kind, _error, first, event) =>
      failures.push({ kind, first, event }),
    );
    const seen: number[] = [];
    fanout.add(() => {
      throw new Error('boom');
    });
    fanout.add(() => Promise.reject(new Error('nope')));
    fanout.add(async () => {
      throw new Error('async boom');
    });
    fanout.add((n) => {
      seen.push(n);
    });
    expect(() => fanout.emit(1)).not.toThrow();
    expect(() => fanout.emit(2)).not.toThrow();
    expect(seen).toEqual([1, 2]);
    expect(fanout.failuresByKind).toEqual({ threw: 2, rejected: 0 });
    await settle();
    expect(fanout.failuresByKind).toEqual({ threw: 2, rejected: 4 });
    expect(fanout.failures).toBe(6);
    expect(failures.filter((f) => f.first).map((f) => f.kind)).toEqual(['threw', 'rejected']);
  });

  it('a failure report that throws is swallowed too', () => {
    const fanout = new EventFanout<number>(() => {
      throw new Error('report failed');
    });
    fanout.add(() => {
      throw new Error('boom');
    });
    expect(() => fanout.emit(1)).not.toThrow();
    expect(fanout.failures).toBe(1);
  });

  it('a listener added or removed during an emit changes the next emit only', () => {
    const fanout = new EventFanout<number>();
    const seen: string[] = [];
    let offLate: (() => void) | undefined;
    fanout.add((n) => {
      seen.push(`a${n}`);
      if (n === 1) offLate = fanout.add((m) => seen.push(`late${m}`));
      if (n === 2) offLate?.();
    });
    fanout.emit(1);
    fanout.emit(2);
    fanout.emit(3);
    expect(seen).toEqual(['a1', 'a2', 'late2', 'a3']);
  });
});
