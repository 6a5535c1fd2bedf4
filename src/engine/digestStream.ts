/**
 * The digests of one endpoint as they change, for the engine: its `$syncNotify` stream (PROTOCOL.md 7), or,
 * while that stream is unavailable, `GET $syncDigest` at an interval.
 *
 *   connecting ──200 event stream──> streaming ──every event: onDigest
 *     │  ^                               └──stream ended or broken──> connecting (at once, with Last-Event-ID)
 *     │  └──────── every pollSeconds: the stream is tried again ─────────┐
 *     └──no stream (refused, not 200, broken twice in a row)──> polling: GET $syncDigest ──> onDigest
 *   any state ──close()──> closed
 *
 * `onDigest` is also told when the endpoint is unreachable (`undefined`), so a caller can act when it
 * comes back. Nothing is buffered here: each event's digest is handed over as it is read.
 */
import { createParser } from 'eventsource-parser';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { parseDigestDocument } from '../atom/digestXml';
import { parseXml } from '../atom/xml';
import type { Digest } from '../protocol/types';
import { describeError } from './errors';
import { serviceUrl } from '../protocol/serviceUrl';

type DigestSource = 'stream' | 'poll';

/** How the engine reaches an endpoint: its Basic credentials and its connection pool (engine.caFile). */
export interface StreamConnection {
  /** The `Authorization` header value, or none. */
  authorization?: string;
  dispatcher?: Dispatcher;
}

export interface DigestStreamOptions {
  /** The endpoint URL. */
  endpoint: string;
  onDigest(digest: Digest, from: DigestSource): void;
  /** The endpoint could be reached neither by its stream nor by $syncDigest. */
  onUnreachable?(): void;
  /** Interval of the $syncDigest polling while the stream is unavailable. */
  pollSeconds: number;
  connection?: StreamConnection;
  log?: Logger;
}

/** Longest event the engine reads (a digest of a few thousand endpoints). */
const MAX_EVENT_CHARS = 1024 * 1024;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export class DigestStream {
  private readonly abort = new AbortController();
  private lastEventId: string | undefined;
  private running: Promise<void> | undefined;
  /** Requests made: stream connections and digest polls (for tests and figures). */
  requests = 0;
  streaming = false;

  constructor(private readonly opts: DigestStreamOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let brokenInARow = 0;
    while (!signal.aborted) {
      const outcome = await this.stream();
      if (signal.aborted) return;
      if (outcome === 'ended') {
        brokenInARow += 1;
        if (brokenInARow < 2) continue;
      }
      brokenInARow = 0;
      await this.pollOnce();
      await sleep(this.opts.pollSeconds * 1000, signal);
    }
  }

  /** Reads the stream until it ends; 'unavailable' when it could not be opened. */
  private async stream(): Promise<'ended' | 'unavailable'> {
    const url = serviceUrl(this.opts.endpoint, '$syncNotify');
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    let res: Response;
    try {
      this.requests += 1;
      res = await fetch(url, this.init(headers));
    } catch (err) {
      if (!this.abort.signal.aborted) this.opts.log?.debug({ endpoint: this.opts.endpoint, err: describeError(err) }, '$syncNotify unavailable');
      return 'unavailable';
    }
    if (res.status !== 200 || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await res.body?.cancel().catch(() => undefined);
      this.opts.log?.debug({ endpoint: this.opts.endpoint, status: res.status }, '$syncNotify unavailable');
      return 'unavailable';
    }
    this.streaming = true;
    const parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (e) => {
        if (e.id !== undefined) this.lastEventId = e.id;
        const digest = digestOf(e.data);
        if (digest) this.opts.onDigest(digest, 'stream');
      },
      onError: (err) => this.opts.log?.warn({ endpoint: this.opts.endpoint, err: err.message }, '$syncNotify: unreadable event'),
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // the connection broke (or close() aborted it)
    } finally {
      this.streaming = false;
    }
    return 'ended';
  }

  /** A request's options: its headers with the credentials, the pool, and the abort of close(). */
  private init(headers: Record<string, string>): RequestInit {
    const { authorization, dispatcher } = this.opts.connection ?? {};
    return { headers: authorization ? { ...headers, authorization } : headers, signal: this.abort.signal, ...(dispatcher ? { dispatcher } : {}) } as RequestInit;
  }

  private async pollOnce(): Promise<void> {
    try {
      this.requests += 1;
      const res = await fetch(serviceUrl(this.opts.endpoint, '$syncDigest'), this.init({ accept: 'application/atom+xml' }));
      const digest = res.ok ? digestOf(await res.text()) : undefined;
      if (digest) this.opts.onDigest(digest, 'poll');
      else this.opts.onUnreachable?.();
    } catch {
      if (!this.abort.signal.aborted) this.opts.onUnreachable?.();
    }
  }
}

function digestOf(xml: string): Digest | undefined {
  try {
    return parseDigestDocument(parseXml(xml));
  } catch {
    return undefined;
  }
}
