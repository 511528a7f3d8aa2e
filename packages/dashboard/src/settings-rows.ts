// run.json flattened into dotted key = value rows for the page's settings table. Pure.

const MAX_SETTINGS = 200;
const MAX_VALUE_CHARS = 500;

/**
 * Flattens run.json into dotted `key = value` rows for a table (`settings.seed = 42`). Arrays of scalars are
 * joined; deeper values are shown as JSON. Bounded to 200 rows of at most 500 characters. Pure.
 */
export function flattenSettings(value: Record<string, unknown>): Array<{ key: string; value: string }> {
  const rows: Array<{ key: string; value: string }> = [];
  const visit = (prefix: string, item: unknown, depth: number): void => {
    if (rows.length >= MAX_SETTINGS) return;
    if (item !== null && typeof item === 'object' && !Array.isArray(item) && depth < 4) {
      const entries = Object.entries(item as Record<string, unknown>);
      if (entries.length === 0) rows.push({ key: prefix, value: '{}' });
      for (const [k, v] of entries) visit(prefix === '' ? k : `${prefix}.${k}`, v, depth + 1);
      return;
    }
    let text: string;
    if (typeof item === 'string') text = item;
    else if (Array.isArray(item) && item.every((x) => x === null || typeof x !== 'object'))
      text = item.join(' ');
    else text = JSON.stringify(item) ?? String(item);
    if (text.length > MAX_VALUE_CHARS) text = `${text.slice(0, MAX_VALUE_CHARS)}…`;
    rows.push({ key: prefix, value: text });
  };
  visit('', value, 0);
  return rows;
}
