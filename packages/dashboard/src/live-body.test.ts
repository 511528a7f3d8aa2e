// The live body's two hard parts: refreshes asked for during a pass fold into one more pass, and what an
// update sends (a delta when it is shorter than the body, else the whole body).
import { describe, expect, it } from 'vitest';
import { coalescingRefresh, liveBody, updateMessage } from './live-body.js';
import { bodyDelta } from './live-delta.js';

/** A promise and the function that resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('coalescingRefresh', () => {
  it('runs one pass at a time; any number of calls during a pass make exactly one more, and all wait for it', async () => {
    const gates = [gate(), gate()];
    let passes = 0;
    const { refresh, settled } = coalescingRefresh(
      async () => {
        const g = gates[passes];
        passes += 1;
        await g?.opened;
      },
      () => false,
    );
    const first = refresh();
    const during = [refresh(), refresh(), refresh()];
    expect(passes).toBe(1);
    let resolved = 0;
    for (const p of [first, ...during]) void p.then(() => (resolved += 1));
    gates[0]!.open();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(passes).toBe(2);
    expect(resolved).toBe(0);
    gates[1]!.open();
    await Promise.all([first, ...during, settled()]);
    expect(passes).toBe(2);
    expect(resolved).toBe(4);
    // Idle again: the next call starts a pass of its own.
    await refresh();
    expect(passes).toBe(3);
  });

  it('starts no pass once stopped, and a stop during a pass ends the run after it', async () => {
    let stopped = false;
    const g = gate();
    let passes = 0;
    const { refresh, settled } = coalescingRefresh(
      async () => {
        passes += 1;
        await g.opened;
      },
      () => stopped,
    );
    const run = refresh();
    void refresh(); // asks for another pass
    stopped = true;
    g.open();
    await run;
    await settled();
    expect(passes).toBe(1);
    await refresh();
    expect(passes).toBe(1);
  });

  it('a pass that throws rejects that run; the next call runs again', async () => {
    let passes = 0;
    const { refresh } = coalescingRefresh(
      async () => {
        passes += 1;
        if (passes === 1) throw new Error('disk gone');
      },
      () => false,
    );
    await expect(refresh()).rejects.toThrow('disk gone');
    await refresh();
    expect(passes).toBe(2);
  });
});

describe('liveBody', () => {
  it('keeps the latest render, moves the event id on each publish, and says when it changed', () => {
    let stale = false;
    const live = liveBody({
      body: 'a\nb',
      heartbeatMs: 60_000,
      changedAt: Date.UTC(2026, 0, 1, 20, 38, 27),
      stale: () => stale,
    });
    expect(live.body()).toBe('a\nb');
    expect(live.status()).toEqual({ updated: '20:38:27 UTC', stale: false });
    const [boot, n] = live.eventId().split('-');
    expect(n).toBe('1');
    live.publish('a\nc', Date.UTC(2026, 0, 1, 20, 40, 0));
    stale = true;
    expect(live.body()).toBe('a\nc');
    expect(live.eventId()).toBe(`${boot}-2`);
    expect(live.status()).toEqual({ updated: '20:40:00 UTC', stale: true });
    expect(live.clients()).toBe(0);
    live.close();
  });
});

describe('updateMessage', () => {
  const status = { updated: '20:38:27 UTC', stale: false };
  it('sends the changed lines when that is shorter than the body', () => {
    const before = Array.from({ length: 50 }, (_, i) => `<tr><td>row ${i}</td></tr>`);
    const after = [...before];
    after[7] = '<tr><td>row 7 changed</td></tr>';
    const body = after.join('\n');
    const message = updateMessage('b-3', bodyDelta(before, after), body, status);
    expect(message.event).toBe('delta');
    expect(JSON.parse(message.data)).toEqual({
      base: 'b-3',
      ops: [7, -1, ['<tr><td>row 7 changed</td></tr>'], 42],
      ...status,
    });
  });
  it('sends the whole body when the delta is not shorter, or was not computed', () => {
    const body = 'x';
    expect(updateMessage('b-1', bodyDelta(['y'], ['x']), body, status)).toEqual({
      event: 'model',
      data: JSON.stringify({ html: 'x', ...status }),
    });
    expect(updateMessage('b-1', undefined, body, status).event).toBe('model');
  });
});
