// Test helpers for the live servers: an SSE client over node:http that rebuilds <main> after each update as
// the browser does, and a poll with a deadline.
import { get, type IncomingMessage } from 'node:http';
import { applyBodyDelta } from '../src/live-delta.js';

export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

export const isUpdate = (m: SseMessage) => m.event === 'model' || m.event === 'delta';

/**
 * Opens /events and collects parsed messages until closed; `pages` holds <main> after each update, rebuilt as
 * the browser does (a `model` event is the whole of it, a `delta` the changed lines).
 */
export function openEvents(
  url: string,
  lastEventId?: string,
  path = 'events',
): Promise<{ messages: SseMessage[]; pages: string[]; res: IncomingMessage; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = get(
      `${url}${path}`,
      { headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {} },
      (res) => {
        const messages: SseMessage[] = [];
        const pages: string[] = [];
        let lines: string[] | null = null;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message: SseMessage = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) message.comment = line.slice(1).trim();
              else {
                const colon = line.indexOf(':');
                const field = line.slice(0, colon) as keyof SseMessage;
                if (field === 'id' || field === 'event' || field === 'data')
                  message[field] = line.slice(colon + 2);
              }
            }
            messages.push(message);
            if (message.event === 'model') lines = JSON.parse(message.data!).html.split('\n');
            // A client that reconnected with the latest id holds the page already: only its deltas come.
            if (message.event === 'delta' && lines !== null)
              lines = applyBodyDelta(lines, JSON.parse(message.data!).ops);
            if (isUpdate(message) && lines !== null) pages.push(lines.join('\n'));
            end = buffer.indexOf('\n\n');
          }
        });
        resolve({ messages, pages, res, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
  });
}

export async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
