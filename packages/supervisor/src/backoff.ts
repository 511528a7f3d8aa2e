// The restart delay: min(cap, base * 2^attempt), optionally with seedable full jitter.

/** How long to wait before a restart. */
export interface BackoffPolicy {
  /** Delay before restart attempt 0, in seconds. Zero means restart at once. */
  baseS: number;
  /** Upper bound of any delay, in seconds; never below {@link BackoffPolicy.baseS}. */
  capS: number;
  /**
   * Full jitter: the delay is drawn uniformly from [0, min(cap, base * 2^attempt)). Off by default, so
   * delays are deterministic.
   */
  jitter?: boolean;
  /** Source of uniform numbers in [0, 1) for jitter; defaults to Math.random. Use {@link seededRandom} in tests. */
  random?: () => number;
}

/** The delay in milliseconds before restart `attempt` (0-based): `min(cap, base * 2^attempt)`, jittered if asked. */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number): number {
  const ceilingS = Math.min(policy.capS, policy.baseS * 2 ** Math.max(0, attempt));
  const ceilingMs = Math.round(ceilingS * 1000);
  if (!policy.jitter) return ceilingMs;
  const draw = (policy.random ?? Math.random)();
  return Math.floor(draw * ceilingMs);
}

/**
 * A small seeded generator of uniform numbers in [0, 1) (mulberry32), so jittered delays can be replayed.
 * Not for cryptography.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
