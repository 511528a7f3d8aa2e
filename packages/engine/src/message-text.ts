// Puts text from a feed file into a one-line message safely: control characters escaped, length bounded,
// JSON values shown without recursion (a value nested 5,000 deep must not overflow the stack).

// C0 controls, DEL, C1 controls, and the Unicode line separators and direction overrides that can make a
// terminal line say something other than what it holds.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with control characters shown as `\xNN` / `\uNNNN`, cut to `max` characters (with `…`). */
export function escapeForMessage(text: string, max = 60): string {
  const cut = text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  return cut.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A JSON value written as `JSON.stringify` would, but iteratively and stopping after `max` characters,
 * so that any parsed value (however deep or long) is shown in bounded time and stack. Control characters
 * are escaped by JSON's own rules inside strings.
 */
export function describeJsonValue(value: unknown, max = 60): string {
  let out = '';
  // A stack of what remains to write: values, or literal text (closing brackets, commas, keys).
  const stack: Array<{ text: string } | { value: unknown }> = [{ value }];
  while (stack.length > 0 && out.length <= max) {
    const item = stack.pop()!;
    if ('text' in item) {
      out += item.text;
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      out += '[';
      stack.push({ text: ']' });
      // Only the first `max` items can show; each pushed item adds at least one character.
      for (let i = Math.min(v.length, max) - 1; i >= 0; i--) {
        stack.push({ value: v[i] });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (v !== null && typeof v === 'object') {
      out += '{';
      stack.push({ text: '}' });
      const keys = Object.keys(v);
      for (let i = Math.min(keys.length, max) - 1; i >= 0; i--) {
        stack.push({ value: (v as Record<string, unknown>)[keys[i]!] });
        stack.push({ text: `${JSON.stringify(keys[i]!.slice(0, max))}:` });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof v === 'string') {
      out += JSON.stringify(v.slice(0, max));
    } else if (typeof v === 'number') {
      out += Number.isFinite(v) ? String(v) : 'null';
    } else {
      out += v === undefined ? 'undefined' : String(v);
    }
  }
  return escapeForMessage(out, max);
}
