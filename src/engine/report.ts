/**
 * Posting a pass's result feeds (PROTOCOL.md 6, step 3) to every event logger URL and, when asked, to the
 * source's `$syncResults`, in page order, one post at a time per destination, without holding up the pass.
 *
 * Run metadata travels as query parameters (beside runName/runStamp, which every request carries):
 * `source`, `target`, `kind`, `page`, `totalResults`, `state` (running | done | cut | failed) and the page's
 * counts as the engine read them (`entries`, `created`, `updated`, `deleted`, `conflicts`, `failures`,
 * `skipped`), which spare our logger reading a feed without diagnoses a second time. A pass
 * that ends without posting a last page (cut, stopped, failed, or nothing to post) sends loggers one closing feed with no entries,
 * carrying the failure's diagnoses, so the logger's run record is closed and Errors reach its webhook.
 * A destination that still fails after the client's retries is skipped for the rest of the pass: logging
 * never fails a pass. The reporter is given the client of the source (its credentials go to the source's
 * `$syncResults`); each logger gets its own credentials, or none.
 */
import type { Logger } from 'pino';
import { buildResultFeed } from '../atom/resultFeed';
import type { Diagnosis } from '../protocol/diagnosis';
import type { ResultSummary as Counts } from '../atom/resultFeed';
import type { Credential } from '../security/credentials';
import { describeError } from './errors';
import { FEED_TYPE, type SDataClient } from './http';
import { serviceUrl, withParams } from './urls';

export type PassState = 'running' | 'done' | 'cut' | 'failed';

export interface PassIdentity {
  source: string;
  target: string;
  kind: string;
}

/** What the engine knows of a page when it reports it. */
export interface PageInfo extends Counts {
  state: PassState;
  totalResults?: number;
  /** Entries of the result feed. */
  entries: number;
}

/** An event logger URL, or its URL and the credentials to post with. */
export type LoggerDestination = string | { url: string; auth?: Credential };

interface Destination {
  url: string;
  /** The pass's client with this destination's credentials. */
  client: SDataClient;
  /** Loggers get run metadata and closing feeds; a source's $syncResults gets result feeds only. */
  isLogger: boolean;
  down: boolean;
  chain: Promise<void>;
}

/** A logger's URL and the client that posts to it: the logger's own credentials or none, never the source's. */
export function loggerClient(client: SDataClient, l: LoggerDestination): { url: string; client: SDataClient } {
  const { url, auth } = typeof l === 'string' ? { url: l, auth: undefined } : l;
  return { url, client: client.withAuth(auth) };
}

export class ResultReporter {
  private readonly destinations: Destination[];
  private lastState: PassState | undefined;
  private pages = 0;

  constructor(
    private readonly client: SDataClient,
    private readonly pass: PassIdentity,
    loggers: LoggerDestination[],
    postToSource: boolean,
    private readonly log?: Logger,
  ) {
    const toLogger = (l: LoggerDestination): Destination => ({ ...loggerClient(client, l), isLogger: true, down: false, chain: Promise.resolve() });
    this.destinations = [
      ...loggers.map(toLogger),
      ...(postToSource ? [{ url: serviceUrl(pass.source, '$syncResults'), client, isLogger: false, down: false, chain: Promise.resolve() }] : []),
    ];
  }

  /** Queues one page's result feed with what the engine read of it. */
  page(resultFeed: string, info: PageInfo): void {
    this.pages += 1;
    this.lastState = info.state;
    const meta = { ...this.pass, page: this.pages, ...info };
    for (const d of this.destinations) this.enqueue(d, d.isLogger ? withParams(d.url, meta) : d.url, resultFeed);
  }

  /** Closes the run at the loggers when no posted page did: a cut, stopped or failed pass. */
  close(state: Exclude<PassState, 'running'>, diagnoses: Diagnosis[] = []): void {
    if (this.lastState !== undefined && this.lastState !== 'running' && diagnoses.length === 0) return;
    this.lastState = state;
    const feed = buildResultFeed({
      id: `${this.pass.target}/$syncTarget`,
      title: `Pass ${this.pass.source} -> ${this.pass.target} ended: ${state}`,
      updated: new Date().toISOString(),
      entries: [],
      diagnoses,
      runName: this.client.run.runName,
      runStamp: this.client.run.runStamp,
      source: this.pass.source,
      target: this.pass.target,
      kind: this.pass.kind,
    });
    const meta = { ...this.pass, page: this.pages + 1, state };
    for (const d of this.destinations) if (d.isLogger) this.enqueue(d, withParams(d.url, meta), feed);
  }

  /** Waits until every queued post is done (or given up). */
  async flush(): Promise<void> {
    await Promise.all(this.destinations.map((d) => d.chain));
  }

  private enqueue(d: Destination, url: string, feed: string): void {
    d.chain = d.chain.then(async () => {
      if (d.down) return;
      try {
        await d.client.exchange('POST', url, { text: feed, type: FEED_TYPE });
      } catch (err) {
        d.down = true;
        this.log?.warn({ destination: d.url, err: describeError(err) }, 'cannot post results; skipping this destination for the rest of the pass');
      }
    });
  }
}
