import { describe, expect, it } from 'vitest';
import { hostNameOf, isAllowedHost } from './host-check.js';

describe('hostNameOf', () => {
  it.each([
    ['127.0.0.1:8765', '127.0.0.1'],
    ['LOCALHOST', 'localhost'],
    ['[::1]:80', '::1'],
    ['[::1]', '::1'],
    ['bot.example.:443', 'bot.example'],
  ])('%s -> %s', (header, name) => expect(hostNameOf(header)).toBe(name));

  it.each([undefined, '', ' ', '[::1', '[::1]x', 'a:b', 'a:99999999'])('%s is malformed', (header) =>
    expect(hostNameOf(header)).toBeUndefined(),
  );
});

describe('isAllowedHost', () => {
  it('allows addresses and localhost, refuses other names (DNS rebinding)', () => {
    for (const host of ['127.0.0.1:8765', '[::1]:8765', '10.1.2.3:80', 'localhost:8765', 'app.localhost']) {
      expect(isAllowedHost(host), host).toBe(true);
    }
    for (const host of [
      'attacker.example',
      'attacker.example:8765',
      'localhost.attacker.example',
      undefined,
    ]) {
      expect(isAllowedHost(host), String(host)).toBe(false);
    }
  });

  it('allows the names given, exactly or (leading dot) with subdomains', () => {
    expect(isAllowedHost('bot.internal:8765', ['bot.internal'])).toBe(true);
    expect(isAllowedHost('x.bot.internal', ['bot.internal'])).toBe(false);
    expect(isAllowedHost('x.bot.internal', ['.bot.internal'])).toBe(true);
    expect(isAllowedHost('bot.internal', ['.bot.internal'])).toBe(true);
    expect(isAllowedHost('evilbot.internal', ['.bot.internal'])).toBe(false);
  });
});
