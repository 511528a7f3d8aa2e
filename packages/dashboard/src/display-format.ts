// Deterministic number and time formatting for the page (no locale, no time zone: always UTC).

/** `1234567` -> `1,234,567`. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const sign = value < 0 ? '-' : '';
  const [whole, fraction] = Math.abs(value).toString().split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + grouped + (fraction ? `.${fraction}` : '');
}

/** A latency in milliseconds: three decimals (microseconds) below a second, one above. */
export function formatMs(value: number): string {
  return value < 1000 ? value.toFixed(3) : formatCount(Number(value.toFixed(1)));
}

/** A gauge value (position, equity, pnl): up to 4 decimals, trailing zeros dropped. */
export function formatGauge(value: number): string {
  return formatCount(Number(value.toFixed(4)));
}

/** Milliseconds since the epoch as `2019-03-29 12:34:56Z` (with `.mmm` when not a whole second, or always). */
export function formatTime(ms: number | null, options: { millis?: boolean } = {}): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return String(ms);
  const iso = date.toISOString();
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${millis === '000' && !options.millis ? '' : `.${millis}`}Z`;
}

/** A bucket width as `10 ms`, `30 s`, `5 min`, `2 h`, `1 d`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}

/** A byte count as `512 B`, `12.3 KiB`, `4.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
