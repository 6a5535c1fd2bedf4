/** One digest stream (digestStream.ts) per endpoint URL, shared by every leg that watches that endpoint. */
import type { Logger } from 'pino';
import type { Digest } from '../protocol/types';
import { DigestStream, type StreamConnection } from './digestStream';

type Handler = (d: Digest) => void;

export class EndpointStreams {
  private readonly streams = new Map<string, { stream: DigestStream; handlers: Set<Handler> }>();

  constructor(private readonly opts: { pollSeconds: number; connection?: StreamConnection; log?: Logger }) {}

  /** Calls `handler` with every digest the endpoint announces (its stream, or polls while it has none). */
  subscribe(endpoint: string, handler: Handler): void {
    let s = this.streams.get(endpoint);
    if (!s) {
      const handlers = new Set<Handler>();
      const stream = new DigestStream({
        endpoint,
        pollSeconds: this.opts.pollSeconds,
        connection: this.opts.connection,
        log: this.opts.log,
        onDigest: (d) => {
          for (const h of handlers) h(d);
        },
      });
      s = { stream, handlers };
      this.streams.set(endpoint, s);
      stream.start();
    }
    s.handlers.add(handler);
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => s.stream.close()));
    this.streams.clear();
  }
}
