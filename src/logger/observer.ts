/**
 * The logger's observer: every `logger.observe.intervalSeconds` it reads, for each endpoint named by the run
 * records it holds, the endpoint's `$syncDigest`, its open `$conflicts` and its open `$failures`, and keeps
 * the latest of each in memory (the dashboard and the alert rules read them). It knows endpoints only from
 * the run records engines post, never from the engine itself.
 *
 * Bounded: at most `maxEndpoints` endpoints (those beyond are listed as not observed), `listCount` conflicts
 * and failures each, a timeout per request, four endpoints read at a time. A failed read keeps what was read
 * before and records the error with the endpoint. With `origins`, only endpoints under those URLs are read:
 * the observer's credentials go nowhere else.
 */
import type { Logger } from 'pino';
import { parseDigestDocument } from '../atom/digestXml';
import { parseConflictFeed, parseFailureFeed, type ListedFeed, type ParkedConflict, type QuarantinedEntryView } from '../atom/parkedFeeds';
import { parseXml, type XmlLimits } from '../atom/xml';
import type { ObserveConfig } from '../config/engineSchema';
import type { Digest } from '../protocol/types';
import { canonicalUrl } from '../protocol/endpointUrl';
import { serviceUrl } from '../protocol/serviceUrl';

export interface ObservedEndpoint {
  url: string;
  digest?: Digest;
  conflicts?: ListedFeed<ParkedConflict>;
  failures?: ListedFeed<QuarantinedEntryView>;
  /** When the last complete read ended. */
  readAt?: string;
  /** The last read's error (what was read before stays). */
  error?: { message: string; at: string };
}

export interface ObserverSnapshot {
  endpoints: ObservedEndpoint[];
  /** Endpoints named by runs but not observed: beyond maxEndpoints, or outside `origins`. */
  notObserved: { url: string; reason: string }[];
  refreshedAt?: string;
}

export interface ObserverOptions {
  cfg: ObserveConfig;
  /** Every endpoint URL the run records name. */
  endpoints: () => Promise<string[]>;
  /** The Authorization header value the observer sends, if any. */
  authorization?: string;
  xmlLimits?: XmlLimits;
  /** Called after each refresh of all endpoints. */
  onRefresh?: () => Promise<void> | void;
  log?: Logger;
}

const PARALLEL = 4;
const ATOM = 'application/atom+xml, application/xml;q=0.9';

export class EndpointObserver {
  private readonly known = new Map<string, ObservedEndpoint>();
  private notObserved: ObserverSnapshot['notObserved'] = [];
  private refreshedAt?: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly opts: ObserverOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.opts.cfg.intervalSeconds * 1000);
    this.timer.unref();
    void this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  snapshot(): ObserverSnapshot {
    return { endpoints: [...this.known.values()], notObserved: this.notObserved, refreshedAt: this.refreshedAt };
  }

  digests(): Map<string, Digest> {
    return new Map([...this.known.values()].filter((e) => e.digest).map((e) => [e.url, e.digest!] as const));
  }

  /** True when the endpoint is one the observer reads (the dashboard acts only on those). */
  observes(url: string): boolean {
    return this.known.has(url);
  }

  /** Reads every endpoint once (a refresh already under way is joined, not doubled). */
  refresh(): Promise<void> {
    this.running ??= this.refreshAll()
      .catch((err) => this.opts.log?.warn({ err: (err as Error).message }, 'observer refresh failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private allowed(url: string): boolean {
    const origins = this.opts.cfg.origins;
    return !origins || origins.map(canonicalUrl).some((o) => url === o || url.startsWith(`${o}/`) || url.startsWith(`${o}?`));
  }

  private async refreshAll(): Promise<void> {
    const all = [...new Set(await this.opts.endpoints())].sort();
    const permitted = all.filter((u) => this.allowed(u));
    const chosen = permitted.slice(0, this.opts.cfg.maxEndpoints);
    this.notObserved = [
      ...all.filter((u) => !this.allowed(u)).map((url) => ({ url, reason: 'outside observe.origins' })),
      ...permitted.slice(this.opts.cfg.maxEndpoints).map((url) => ({ url, reason: `beyond observe.maxEndpoints (${this.opts.cfg.maxEndpoints})` })),
    ];
    if (this.notObserved.length > 0) this.opts.log?.warn({ notObserved: this.notObserved.length }, 'endpoints not observed');
    for (const url of this.known.keys()) if (!chosen.includes(url)) this.known.delete(url);
    for (let i = 0; i < chosen.length; i += PARALLEL) await Promise.all(chosen.slice(i, i + PARALLEL).map((u) => this.readEndpoint(u)));
    this.refreshedAt = new Date().toISOString();
    await this.opts.onRefresh?.();
  }

  /** Reads one endpoint now (after the dashboard resolved or retried something there). */
  async readEndpoint(url: string): Promise<void> {
    const seen: ObservedEndpoint = this.known.get(url) ?? { url };
    this.known.set(url, seen);
    try {
      const count = this.opts.cfg.listCount;
      const [digest, conflicts, failures] = await Promise.all([
        this.get(serviceUrl(url, '$syncDigest')),
        this.get(serviceUrl(url, '$conflicts', { status: 'open', count })),
        this.get(serviceUrl(url, '$failures', { status: 'open', count })),
      ]);
      const limits = this.opts.xmlLimits;
      seen.digest = parseDigestDocument(parseXml(digest, { limits }), limits?.maxDigestEntries);
      seen.conflicts = parseConflictFeed(conflicts, limits);
      seen.failures = parseFailureFeed(failures, limits);
      seen.readAt = new Date().toISOString();
      delete seen.error;
    } catch (err) {
      seen.error = { message: (err as Error).message.slice(0, 500), at: new Date().toISOString() };
      this.opts.log?.warn({ endpoint: url, err: seen.error.message }, 'endpoint not read');
    }
  }

  private async get(url: string): Promise<string> {
    const headers: Record<string, string> = { accept: ATOM };
    if (this.opts.authorization) headers.authorization = this.opts.authorization;
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(this.opts.cfg.timeoutMillis) });
    const body = await res.text();
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return body;
  }
}
