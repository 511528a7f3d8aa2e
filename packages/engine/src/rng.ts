// The engine's only source of randomness: a small, fast, seeded generator (sfc32) keyed by (seed, label),
// passed explicitly to whatever needs it. Same seed, same numbers, on every platform.
import { assertConfig } from './errors.js';

/** A seeded pseudo-random number generator. Not for cryptography. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  readonly #seed: number;
  readonly #label: string;
  #spareNormal: number | undefined;

  /**
   * @param seed a safe integer (negative seeds are fine); the same seed always gives the same sequence.
   *   Anything else throws `LOOP_ENGINE_CONFIG_INVALID`.
   * @param label names an independent stream of the same seed (see {@link Rng.fork}).
   */
  constructor(seed: number, label = '') {
    assertConfig(Number.isSafeInteger(seed), 'seed', `must be a safe integer, got ${seed}`);
    this.#seed = seed;
    this.#label = label;
    const key = [seed >>> 0, Math.floor(seed / 4294967296) >>> 0, fnv1a(label)] as const;
    [this.#a, this.#b, this.#c, this.#d] = initialState(key);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /**
   * An independent stream of the same seed for one purpose (`'feed'`, `'latency'`), so that drawing more
   * numbers for one purpose does not shift the others.
   */
  fork(label: string): Rng {
    return new Rng(this.#seed, this.#label === '' ? label : `${this.#label}/${label}`);
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal deviate (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    const spare = this.#spareNormal;
    if (spare !== undefined) {
      this.#spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

// sfc32 is seeded with three key words and a counter; each word is scrambled first so that nearby seeds
// (1, 2, 3) start far apart. No key bits are lost, so every (seed, label) pair is its own stream.
function initialState(key: readonly [number, number, number]): [number, number, number, number] {
  return [mix32(key[0] ^ 0x9e3779b9), mix32(key[1] ^ 0x7f4a7c15), mix32(key[2] ^ 0x6a09e667), 1];
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) | 0;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, optionally continuing from `basis`. */
function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis | 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
