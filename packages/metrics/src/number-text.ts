// Number-to-JSON-text for the NDJSON hot path: V8's shortest-double printing is most of a line's cost, so
// numbers with at most six decimals are written from small integers and lookup tables instead.

/** `.d`, `.dd`, `.ddd` for 1..999 (the digits of thousandths, trailing zeros dropped); '' for 0. */
const THOUSANDTHS: readonly string[] = Array.from({ length: 1000 }, (_, f) =>
  f === 0 ? '' : `.${String(f).padStart(3, '0').replace(/0+$/, '')}`,
);
/** `.ddd` for 0..999, all three digits (the first half of a six-digit fraction). */
const THOUSANDTHS_FULL: readonly string[] = Array.from(
  { length: 1000 },
  (_, f) => `.${String(f).padStart(3, '0')}`,
);
/** `d`, `dd`, `ddd` for 1..999 as the last three of six fraction digits, trailing zeros dropped. */
const MILLIONTHS_TAIL: readonly string[] = Array.from({ length: 1000 }, (_, f) =>
  String(f).padStart(3, '0').replace(/0+$/, ''),
);

/** A whole number 0 <= n < 2^53 in decimal; V8 prints integers above 2^31 through its slow double path. */
export function wholeText(n: number): string {
  if (n < 2_147_483_648) return `${n}`;
  const high = Math.floor(n / 1e6);
  return `${high}${`${1e6 + (n - high * 1e6)}`.slice(1)}`;
}

/** `us / 1000` as JSON text (ms with up to three decimals), for a whole number 0 <= us < 2^53. */
export function microsAsMsText(us: number): string {
  const whole = Math.floor(us / 1000);
  return `${wholeText(whole)}${THOUSANDTHS[us - whole * 1000]}`;
}

/**
 * `value` as JSON text, identical to `String(value)` (the shortest text that reads back as the same
 * number); the fast path covers |value| < 2^33 with at most six decimals, the rest goes to `String`.
 * The caller checks that `value` is finite.
 */
export function numberText(value: number): string {
  if ((value | 0) === value) return `${value}`;
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  if (magnitude < 8_589_934_592 && magnitude >= 1e-6) {
    // Below 2^33 two decimals 1e-6 apart are different doubles, so the six-decimal text that reads
    // back as `value` is the shortest one, the text String() picks.
    const millionths = Math.round(magnitude * 1e6);
    if (millionths / 1e6 === magnitude) {
      const whole = Math.floor(millionths / 1e6);
      const fraction = millionths - whole * 1e6;
      const high = Math.floor(fraction / 1000);
      const low = fraction - high * 1000;
      const text = `${wholeText(whole)}${low === 0 ? THOUSANDTHS[high] : `${THOUSANDTHS_FULL[high]}${MILLIONTHS_TAIL[low]}`}`;
      return negative ? `-${text}` : text;
    }
  }
  return String(value);
}
