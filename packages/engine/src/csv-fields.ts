// Splits one CSV line into fields: a plain split for the usual unquoted line, RFC 4180 quotes otherwise.

/** A line whose quotes do not close; the caller reports it as a bad row. */
export class UnbalancedQuotes extends Error {}

/**
 * The fields of one CSV line (without its line break). A field may be quoted (`"4092.56"`, with `""` for a
 * quote inside); spaces around a quoted field are dropped. Unquoted fields are returned as written.
 * Throws {@link UnbalancedQuotes} for a quote that does not close or text after a closing quote.
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let start = i;
    while (start < line.length && (line[start] === ' ' || line[start] === '\t')) start++;
    if (line[start] === '"') {
      let value = '';
      let j = start + 1;
      for (;;) {
        const close = line.indexOf('"', j);
        if (close === -1) throw new UnbalancedQuotes('a quoted field does not close');
        value += line.slice(j, close);
        if (line[close + 1] === '"') {
          value += '"';
          j = close + 2;
          continue;
        }
        j = close + 1;
        break;
      }
      while (j < line.length && (line[j] === ' ' || line[j] === '\t')) j++;
      fields.push(value);
      if (j === line.length) return fields;
      if (line[j] !== ',') throw new UnbalancedQuotes('text after a closing quote');
      i = j + 1;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) throw new UnbalancedQuotes('a quote inside an unquoted field');
      fields.push(value);
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}
