/**
 * Delivery of result feeds to event loggers (and sources' `$syncResults`): one queue per destination URL,
 * posted in order, one post at a time, kept while the destination is down and delivered once it is back,
 * so a run record at a logger ends as its pass ended even when the logger missed part of the pass.
 *
 *   queued ──posted (the client's own retries included)──> delivered
 *     │  └─transient failure (no answer, 5xx, 408/429)──> the destination is down: the same post is tried
 *     │       again after a wait (exponential backoff, `retry` bounds), the rest wait behind it, in order
 *     ├─refused (any other 4xx: trying again cannot help)──> dropped (warning, counted as `refused`)
 *     └─the destination's queue holds `capacity` posts already──> the OLDEST waiting post is dropped
 *                                                                  (warning, counted as `overflow`)
 *
 * Logging never fails nor holds up a pass: `settled` resolves once the posts given are delivered or
 * dropped, or their destination is down; a pass waits for it only when its outbox is its own, or when a
 * destination's queue is `crowded` (report.ts). An outbox lives as long as its owner (the engine daemon keeps
 * one for all its routes, so what a pass left queued is delivered after the pass); `close` stops it.
 */
import type { DropListener, DropReason } from '../metrics/engine';
import { backOff } from 'exponential-backoff';
import type { Logger } from 'pino';
import { describeError, isTransient } from './errors';
import { FEED_TYPE, type SDataClient } from './sdataClient';

export interface OutboxOptions {
  /** Posts kept per destination at most (the one being posted included). */
  capacity: number;
  /** Waits between attempts while a destination is down. */
  retry: { startingDelayMillis: number; maxDelayMillis: number };
  onDropped?: DropListener;
  log?: Logger;
}

interface Post {
  url: string;
  feed: string;
  client: SDataClient;
  settle: () => void;
}

interface Queue {
  /** The destination as metrics and logs name it: origin and path, never credentials or query. */
  name: string;
  posts: Post[];
  /** The post being tried now (still first in `posts`). */
  sending: boolean;
  down: boolean;
  /** Resolves when the destination goes down (renewed each time it is back). */
  wentDown: { promise: Promise<void>; resolve: () => void };
}

const signal = (): Queue['wentDown'] => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** A destination URL without credentials or query parameters. */
function destinationName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export class ResultOutbox {
  private readonly queues = new Map<string, Queue>();
  /** The `post` promises not yet resolved. */
  private readonly unsettled = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly opts: OutboxOptions) {}

  /**
   * Queues one post of `feed` to `url` (the destination is the URL without its query) with that client.
   * Resolves when it is delivered or dropped, or its destination is down.
   */
  post(client: SDataClient, url: string, feed: string): Promise<void> {
    const name = destinationName(url);
    let q = this.queues.get(name);
    if (!q) {
      q = { name, posts: [], sending: false, down: false, wentDown: signal() };
      this.queues.set(name, q);
    }
    const delivered = new Promise<void>((settle) => q.posts.push({ url, feed, client, settle }));
    if (q.posts.length > this.opts.capacity) {
      // The oldest post not being tried right now makes room.
      const [oldest] = q.posts.splice(q.sending ? 1 : 0, 1);
      this.drop(q, oldest, 'overflow');
    }
    const settled = Promise.race([delivered, q.down ? Promise.resolve() : q.wentDown.promise]);
    this.unsettled.add(settled);
    void settled.then(() => this.unsettled.delete(settled));
    if (!q.sending) void this.work(q);
    return settled;
  }

  /** True when a destination's queue holds more than half its capacity (a pass then waits for its posts). */
  crowded(url: string): boolean {
    return this.pending(url) > this.opts.capacity / 2;
  }

  /** Posts waiting (or being tried) for a destination URL. */
  pending(url: string): number {
    return this.queues.get(destinationName(url))?.posts.length ?? 0;
  }

  /** Resolves once every post given so far is delivered or dropped, or its destination is down (before `close`, at a stop). */
  async drain(): Promise<void> {
    while (this.unsettled.size > 0) await Promise.all([...this.unsettled]);
  }

  /** Stops trying: what is queued stays undelivered (every `post` promise resolves). */
  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) {
      for (const p of q.posts.splice(0)) p.settle();
      q.wentDown.resolve();
    }
  }

  private drop(q: Queue, p: Post, reason: DropReason, err?: unknown): void {
    this.opts.onDropped?.(q.name, reason);
    this.opts.log?.warn(
      { destination: q.name, reason, queued: q.posts.length, ...(err === undefined ? {} : { err: describeError(err) }) },
      reason === 'overflow' ? 'result post dropped: the queue of a destination that is down is full (the oldest post goes)' : 'result post refused by its destination; dropped',
    );
    p.settle();
  }

  private async work(q: Queue): Promise<void> {
    q.sending = true;
    try {
      while (!this.closed && q.posts.length > 0) {
        const p = q.posts[0];
        const outcome = await this.deliver(q, p);
        if (q.posts[0] === p) q.posts.shift();
        if (outcome === 'refused') continue;
        p.settle();
      }
    } finally {
      q.sending = false;
    }
  }

  /** Posts until it is delivered or refused, waiting with backoff while the destination is down. */
  private async deliver(q: Queue, p: Post): Promise<'delivered' | 'refused' | 'closed'> {
    const { startingDelayMillis, maxDelayMillis } = this.opts.retry;
    try {
      await backOff(() => p.client.exchange('POST', p.url, { text: p.feed, type: FEED_TYPE }), {
        numOfAttempts: Number.MAX_SAFE_INTEGER,
        startingDelay: startingDelayMillis,
        maxDelay: maxDelayMillis,
        timeMultiple: 2,
        jitter: 'full',
        retry: (err: unknown) => {
          if (this.closed || !isTransient(err)) return false;
          if (!q.down) {
            q.down = true;
            q.wentDown.resolve();
            this.opts.log?.warn({ destination: q.name, queued: q.posts.length, err: describeError(err) }, 'cannot post results; they are kept and posted once the destination is back');
          }
          return true;
        },
      });
    } catch (err) {
      if (this.closed) return 'closed';
      if (q.posts[0] === p) q.posts.shift();
      this.markUp(q); // it answered: it is there, it refused this post
      this.drop(q, p, 'refused', err);
      return 'refused';
    }
    this.markUp(q);
    return 'delivered';
  }

  private markUp(q: Queue): void {
    if (!q.down) return;
    q.down = false;
    q.wentDown = signal();
    this.opts.log?.info({ destination: q.name, queued: q.posts.length }, 'destination is back; posting what was kept');
  }
}
