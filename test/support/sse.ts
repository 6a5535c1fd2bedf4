/** A Server-Sent Events reader for tests: collects the events of one stream and waits for the ones wanted. */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface EventReader {
  status: number;
  contentType: string;
  events: EventSourceMessage[];
  /** Resolves with the first event (from `from` on) the predicate accepts; rejects after `millis`. */
  waitFor(predicate: (e: EventSourceMessage) => boolean, millis?: number, from?: number): Promise<EventSourceMessage>;
  close(): void;
}

export async function readEvents(url: string, headers: Record<string, string> = {}): Promise<EventReader> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: EventSourceMessage[] = [];
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent: (e) => {
      events.push(e);
      for (const w of [...waiters]) w();
    },
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // closed
    }
  })();
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    events,
    waitFor(predicate, millis = 5000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events.slice(from).find(predicate);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such event within ${millis} ms; got ${events.map((e) => e.event).join(', ')}`));
        }, millis);
        if (!check()) waiters.add(check);
      });
    },
    close: () => abort.abort(),
  };
}
