// Which `Host` headers the live server answers: a guard against DNS rebinding, where a page on another site
// points its own name at 127.0.0.1 and reads the bot's model with the victim's browser.
import { isIP } from 'node:net';

/**
 * The host name of a `Host` header, lower-cased, without port or IPv6 brackets; undefined when the header is
 * missing or malformed.
 */
export function hostNameOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim().toLowerCase();
  if (value === '') return undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    const rest = value.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return value.slice(1, end);
  }
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (colon >= 0 && !/^\d{1,5}$/.test(value.slice(colon + 1))) return undefined;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * True when a request whose `Host` header is `header` may be answered. Allowed: an IP address (a rebinding
 * attack needs a name the attacker controls, so a literal address is never one: this covers the bound
 * address, also when bound to all interfaces), `localhost` and `*.localhost`, and the names in `allowHosts`
 * (exact; a name starting with a dot also allows its subdomains, as Vite's `server.allowedHosts` does).
 */
export function isAllowedHost(header: string | undefined, allowHosts: readonly string[] = []): boolean {
  const name = hostNameOf(header);
  if (name === undefined) return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  for (const allowed of allowHosts) {
    const entry = allowed.trim().toLowerCase();
    if (entry === '') continue;
    if (entry.startsWith('.') ? name === entry.slice(1) || name.endsWith(entry) : name === entry) return true;
  }
  return false;
}
