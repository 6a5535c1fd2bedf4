/**
 * Reporting a pass's result feeds (PROTOCOL.md 6, step 3) to every event logger URL and, when asked, to the
 * source's `$syncResults`, in page order, without holding up the pass: delivery is the outbox's
 * (resultOutbox.ts), which keeps what a logger that is down misses and posts it once the logger is back.
 *
 * Run metadata travels as query parameters (beside runName/runStamp, which every request carries):
 * `source`, `target`, `kind`, `page`, `totalResults`, `state` (running | done | cut | failed) and the page's
 * counts as the engine read them (`entries`, `created`, `updated`, `deleted`, `conflicts`, `failures`,
 * `skipped`), which spare our logger reading a feed without diagnoses a second time. A pass
 * that ends without posting a last page (cut, stopped, failed, or nothing to post) sends loggers one closing feed with no entries,
 * carrying the failure's diagnoses, so the logger's run record is closed and Errors reach its webhook.
 * Every failure of a pass, a push or a route that could not start is told to the loggers by `fail` (or
 * `reportFailure` when nothing was reported of it before). A warning about the pass as a whole (its two ends
 * declare the kind differently) goes to the loggers as a feed of no entries (`warn`); the run goes on.
 * The reporter is given the client of the source
 * (its credentials go to the source's `$syncResults`); each logger gets its own credentials, or none.
 */
import type { Logger } from 'pino';
import { buildResultFeed } from '../atom/resultFeed';
import type { Diagnosis } from '../protocol/diagnosis';
import type { ResultSummary as Counts } from '../atom/resultFeed';
import type { Credential } from '../security/credentials';
import { describeError, EndpointError } from './errors';
import type { SDataClient } from './sdataClient';
import { ResultOutbox } from './resultOutbox';
import { serviceUrl, withParams } from '../protocol/serviceUrl';

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
}

/** A logger's URL and the client that posts to it: the logger's own credentials or none, never the source's. */
export function loggerClient(client: SDataClient, l: LoggerDestination): { url: string; client: SDataClient } {
  const { url, auth } = typeof l === 'string' ? { url: l, auth: undefined } : l;
  return { url, client: client.withAuth(auth) };
}

/** The diagnoses a failure is reported with: the engine's own (with the request id of the pass), then the endpoint's. */
function failureDiagnoses(err: unknown, requestId: string): Diagnosis[] {
  const own: Diagnosis = { severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'PassFailed', message: describeError(err), requestId };
  return [own, ...(err instanceof EndpointError ? err.diagnoses : [])];
}

/** Where a pass's results go. */
export interface Reporting {
  client: SDataClient;
  loggers?: LoggerDestination[];
  /** Post result feeds to the source's $syncResults too. */
  postResults?: boolean;
  /** The delivery queue to use (the engine's, outliving the pass); without one, the pass's own, closed at its end. */
  outbox?: ResultOutbox;
  /**
   * Given: the promise of each result post is added here (it resolves once the post is delivered or dropped,
   * or its destination is down), for a caller that must not end before its loggers have its results (a
   * scheduled route run, which holds the route's lock until then).
   */
  delivered?: Promise<void>[];
  log?: Logger;
}

/** The outbox of a pass that was given none: it keeps posts while the pass runs, and is closed with it. */
export function passOutbox(log?: Logger): ResultOutbox {
  return new ResultOutbox({ capacity: 1000, retry: { startingDelayMillis: 200, maxDelayMillis: 10_000 }, log });
}

export class ResultReporter {
  private readonly client: SDataClient;
  private readonly destinations: Destination[];
  private readonly outbox: ResultOutbox;
  private readonly ownOutbox: boolean;
  private readonly posted: Promise<void>[] = [];
  private readonly delivered?: Promise<void>[];
  private lastState: PassState | undefined;
  private pages = 0;

  constructor(
    private readonly pass: PassIdentity,
    r: Reporting,
  ) {
    this.client = r.client;
    this.delivered = r.delivered;
    this.ownOutbox = r.outbox === undefined;
    this.outbox = r.outbox ?? passOutbox(r.log);
    this.destinations = [
      ...(r.loggers ?? []).map((l) => ({ ...loggerClient(r.client, l), isLogger: true })),
      ...(r.postResults ? [{ url: serviceUrl(pass.source, '$syncResults'), client: r.client, isLogger: false }] : []),
    ];
  }

  /** Queues one page's result feed with what the engine read of it. */
  page(resultFeed: string, info: PageInfo): void {
    this.pages += 1;
    this.lastState = info.state;
    const meta = { ...this.pass, page: this.pages, ...info };
    for (const d of this.destinations) this.enqueue(d, d.isLogger ? withParams(d.url, meta) : d.url, resultFeed);
  }

  /**
   * Tells the loggers of a warning about the pass as a whole (the two ends' schemas differ): a feed of no
   * entries with the warnings as feed-level diagnoses, in the run's place in the queue; the run goes on.
   */
  warn(diagnoses: Diagnosis[]): void {
    const feed = this.feedOf(`Pass ${this.pass.source} -> ${this.pass.target}: warning`, diagnoses);
    const meta = { ...this.pass, page: this.pages, state: 'running' };
    for (const d of this.destinations) if (d.isLogger) this.enqueue(d, withParams(d.url, meta), feed);
  }

  /** Closes the run at the loggers when no posted page did: a cut, stopped or failed pass. */
  close(state: Exclude<PassState, 'running'>, diagnoses: Diagnosis[] = []): void {
    if (this.lastState !== undefined && this.lastState !== 'running' && diagnoses.length === 0) return;
    this.lastState = state;
    const feed = this.feedOf(`Pass ${this.pass.source} -> ${this.pass.target} ended: ${state}`, diagnoses);
    const meta = { ...this.pass, page: this.pages + 1, state };
    for (const d of this.destinations) if (d.isLogger) this.enqueue(d, withParams(d.url, meta), feed);
  }

  /** Closes the run at the loggers as failed, with the failure's diagnoses. */
  fail(err: unknown): void {
    this.close('failed', failureDiagnoses(err, this.client.requestId));
  }

  /**
   * The pass's end. With its own outbox: waits until every queued post is delivered, dropped, or waiting for
   * its destination to be back, then closes it. With the engine's (which outlives the pass and delivers in
   * order), the pass ends at once, off the logger's time, unless a destination's queue is crowded: then it
   * waits for its posts, so that a fast route slows down rather than overflow a slow logger's queue.
   */
  async flush(): Promise<void> {
    if (this.ownOutbox) {
      await Promise.all(this.posted);
      this.outbox.close();
      return;
    }
    if (this.destinations.some((d) => this.outbox.crowded(d.url))) await Promise.all(this.posted);
  }

  /** A result feed of no entries about the pass, with feed-level diagnoses. */
  private feedOf(title: string, diagnoses: Diagnosis[]): string {
    return buildResultFeed({
      id: serviceUrl(this.pass.target, '$syncTarget'),
      title,
      updated: new Date().toISOString(),
      entries: [],
      diagnoses,
      runName: this.client.run.runName,
      runStamp: this.client.run.runStamp,
      source: this.pass.source,
      target: this.pass.target,
      kind: this.pass.kind,
    });
  }

  private enqueue(d: Destination, url: string, feed: string): void {
    const settled = this.outbox.post(d.client, url, feed);
    this.posted.push(settled);
    this.delivered?.push(settled);
  }
}

/**
 * Tells the loggers that a pass (or a route) of this identity failed before anything of it was reported: the
 * one run record it gets is failed, with the failure's diagnoses.
 */
export async function reportFailure(pass: PassIdentity, r: Reporting, err: unknown): Promise<void> {
  const reporter = new ResultReporter(pass, { ...r, postResults: false });
  reporter.fail(err);
  await reporter.flush();
}
