// Delivers each event to any number of listeners, each guarded: a listener that throws or rejects is counted,
// never lets the error reach the caller, and is never awaited.

/** A listener: called synchronously with each event; what it returns (a promise, say) is not awaited. */
export type EventListener<E> = (event: E) => unknown;

/** How a listener failed: it threw, or the promise it returned rejected. */
export type ListenerFailureKind = 'threw' | 'rejected';

/** Counts of listener failures. */
export interface ListenerFailureCounts {
  threw: number;
  rejected: number;
}

/**
 * The guarded fan-out. `emit` calls every listener in the order they were added; a throw is caught at once,
 * a rejected promise when it settles. `onFailure` hears of every failure (with whether it is the first of its
 * kind, so a caller can log once per kind) and must not throw.
 */
export class EventFanout<E> {
  #listeners: { listener: EventListener<E> }[] = [];
  readonly #counts: ListenerFailureCounts = { threw: 0, rejected: 0 };
  readonly #onFailure: (kind: ListenerFailureKind, error: unknown, first: boolean, event: E) => void;

  constructor(
    onFailure: (kind: ListenerFailureKind, error: unknown, first: boolean, event: E) => void = () => {},
  ) {
    this.#onFailure = onFailure;
  }

  /** Adds `listener`; the function returned removes it (calling it again does nothing). */
  add(listener: EventListener<E>): () => void {
    const entry = { listener };
    // Copy on write: a listener that subscribes or unsubscribes during an emit changes the next emit only.
    this.#listeners = [...this.#listeners, entry];
    return () => {
      this.#listeners = this.#listeners.filter((other) => other !== entry);
    };
  }

  /** Number of listeners. */
  get size(): number {
    return this.#listeners.length;
  }

  /** Listener failures so far, both kinds. */
  get failures(): number {
    return this.#counts.threw + this.#counts.rejected;
  }

  /** Listener failures so far, by kind. */
  get failuresByKind(): ListenerFailureCounts {
    return { ...this.#counts };
  }

  /** Calls every listener with `event`; never throws, never waits. */
  emit(event: E): void {
    for (const { listener } of this.#listeners) {
      try {
        const result = listener(event);
        if (isThenable(result)) result.then(undefined, (error) => this.#fail('rejected', error, event));
      } catch (error) {
        this.#fail('threw', error, event);
      }
    }
  }

  #fail(kind: ListenerFailureKind, error: unknown, event: E): void {
    this.#counts[kind] += 1;
    try {
      this.#onFailure(kind, error, this.#counts[kind] === 1, event);
    } catch {
      // A failing report of a failure must not reach the emitter either.
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
