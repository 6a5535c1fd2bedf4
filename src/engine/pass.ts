/**
 * One catch-up pass, source S to target T (PROTOCOL.md 6), for one kind, or for every kind of an
 * application in increasing syncOrder when S and T are application URLs.
 *
 *                GET T/$syncDigest and S/$syncDigest together, POST T's to S/$syncSource, poll
 *   selecting ───────────────────────────────────────────────────────────────────> paging
 *              (not when S is not ahead of T and the merge of S's digest would change nothing at T:
 *               the pass is done without a selection ──────────────────────────────────> merging)
 *   paging     a page arrived; the next one is fetched meanwhile    ──> applying
 *   applying   POST the page as it came to T/$syncTarget, poll      ──> reporting
 *              (not for a last page without entries that T's end-of-feed merge would not change anything
 *               with: the pass is done ─────────────────────────────────────────────────> merging)
 *   reporting  queue the result feed for loggers (and S/$syncResults)
 *                ├─ rel="next" and no stop asked ──────────────────> paging
 *                ├─ no rel="next": T merged the ceiling ────────────> merging
 *                └─ stopAfterPages reached / shutdown asked ────────> cut
 *   merging    every T context DELETEd (S's was, once its last page was read) ──> done
 *   cut        the same clean-up; the next pass resumes where this one stopped
 *   any state  an error the client's retries could not cure ──────> failed (contexts dropped, loggers told)
 *
 * A failed or cut pass is simply run again: the target's per-entry digest update makes it resume.
 *
 * A catch-up pass that selects compares the kind's schema version at both ends (schemaCheck.ts) while the
 * selection is made, and warns once when they differ; the pass runs the same either way.
 *
 * An immediate push (PROTOCOL.md 6, `floor` given) is the same pass without its digest reads: the floor is
 * the target digest the engine last knew, posted to S/$syncSource with syncMode=immediate; the summary
 * gives the ceiling of the last page, where the target's digest now is for every endpoint claimed once the
 * push is done (the target merges the ceiling with the last page only: a cut or failed push leaves it where
 * the applied entries put it).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { readResultSummary, summarisedEntries, type ResultSummary } from '../atom/resultFeed';
import { digestEntryDocument, parseDigestDocument } from '../atom/digestXml';
import { parseXml } from '../atom/xml';
import type { Diagnosis } from '../protocol/diagnosis';
import { emptyLastPageChangesNothing } from '../protocol/digestUpdate';
import { passChangesNothing } from '../protocol/sourceAhead';
import type { Digest } from '../protocol/types';
import { canonicalUrl } from '../protocol/endpointUrl';
import { describeError, EndpointError } from './errors';
import { readFeedHead } from './syncPageHead';
import { ENTRY_TYPE, FEED_TYPE, type Answer, type SDataClient } from './sdataClient';
import { kindsToSync } from './kinds';
import { endpointSchemaVersions, schemaDifference, type SchemaVersions } from './schemaCheck';
import { reportFailure, ResultReporter, type LoggerDestination, type PassState } from './report';
import type { ResultOutbox } from './resultOutbox';
import { serviceUrl } from '../protocol/serviceUrl';
import { parseSDataUrl } from './urls';

/** What a target did with the entries of a pass (summariseResults of its result feeds). */
export type Counts = ResultSummary;

export interface KindPassSummary extends Counts {
  source: string;
  target: string;
  kind: string;
  state: 'done' | 'cut';
  /** The ceiling of the last page read (the source digest the selection froze). */
  ceiling?: Digest;
  pages: number;
  entries: number;
  seconds: number;
  entriesPerSecond: number;
}

export interface PassSummary extends Omit<KindPassSummary, 'kind'> {
  kinds: KindPassSummary[];
}

export type PassProgress =
  | { type: 'kind'; kind: string; source: string; target: string }
  | { type: 'page'; kind: string; page: number; entries: number; entriesDone: number; totalResults?: number; /** What the target did with the page's entries (a pass's pages only). */ counts?: Counts };

export interface PassOptions {
  /** An endpoint URL, or an application URL for every kind. */
  source: string;
  /** Of the same level as source. */
  target: string;
  client: SDataClient;
  /** Event logger URLs (with their credentials) given every result feed. */
  loggers?: LoggerDestination[];
  /** Post result feeds to the source's $syncResults too. */
  postResults?: boolean;
  /** Delivers the result feeds (the engine's, so that what a logger missed is posted once it is back); the pass's own when absent. */
  outbox?: ResultOutbox;
  /** Collects the promises of the pass's result posts (report.ts#Reporting.delivered). */
  delivered?: Promise<void>[];
  /** With application URLs: only these kinds (still in syncOrder). */
  kinds?: string[];
  /** Entries per page asked of the source (`count`). */
  pageSize?: number;
  /** An immediate push: the target digest the engine last knew, used as floor instead of reading T's. */
  floor?: Digest;
  /** Cut the pass after this many pages (over all kinds). */
  stopAfterPages?: number;
  /** Asked between pages: true stops the pass cleanly once the running page is applied. */
  shouldStop?: () => boolean;
  onProgress?: (p: PassProgress) => void;
  /** The route named in the pass's log line (default: the client's runName). */
  route?: string;
  log?: Logger;
}

/** A pass that could not finish; `summary` holds what was done before the failure. */
export class PassFailed extends Error {
  constructor(
    readonly summary: PassSummary,
    override readonly cause: unknown,
  ) {
    super(`pass ${summary.source} -> ${summary.target} failed: ${describeError(cause)}`);
    this.name = 'PassFailed';
  }

  get diagnoses(): Diagnosis[] {
    return this.cause instanceof EndpointError ? this.cause.diagnoses : [];
  }
}

const zeroCounts = (): Counts => ({ created: 0, updated: 0, deleted: 0, conflicts: 0, failures: 0, skipped: 0, warnings: 0 });

function addCounts(into: Counts, more: Counts): void {
  for (const k of Object.keys(into) as (keyof Counts)[]) into[k] += more[k];
}

function rate(entries: number, seconds: number): number {
  return seconds > 0 ? Math.round(entries / seconds) : 0;
}

/** Runs the work once pending I/O callbacks have run (so a request just sent is on its way first). */
function afterIo(work: () => void): Promise<void> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        work();
        resolve();
      } catch (err) {
        reject(err);
      }
    }),
  );
}

/** Page budget shared by the kinds of one pass. */
interface Budget {
  pagesLeft: number;
}

export async function dropContext(client: SDataClient, url: string | undefined, log?: Logger): Promise<void> {
  if (!url) return;
  try {
    const answer = await client.request('DELETE', url);
    if (answer.status >= 300 && answer.status !== 404) log?.debug({ url, status: answer.status }, 'context not deleted');
  } catch (err) {
    log?.debug({ url, err: describeError(err) }, 'context not deleted (it will expire)');
  }
}

/**
 * A POST to a tracked service (a fresh trackingID per attempt). `context` is the URL of the context the attempt
 * that answered left at the endpoint, to DELETE once done: its Location, or the tracking URL polled. An answer
 * without either (a selection that fit in its first page, a page applied at once) left none (PROTOCOL.md 3.2).
 */
export async function postTracked(client: SDataClient, endpoint: string, service: '$syncSource' | '$syncTarget', body: string, type: string, params: Record<string, string | number | undefined> = {}): Promise<{ answer: Answer; context: string | undefined }> {
  const answer = await client.exchange('POST', () => serviceUrl(endpoint, service, { trackingID: randomUUID(), ...params }), { text: body, type });
  return { answer, context: answer.location };
}

/**
 * A catch-up pass (not a push) warns once per kind whose two ends declare it differently (schemaCheck.ts),
 * in the process log and to the event loggers. Endpoint URLs: both ends' `{ep}/$schema` are read for it,
 * beside the selection (a pass with nothing to move reads neither).
 */
async function warnIfSchemasDiffer(opts: PassOptions, leg: PassLeg, reporter: ResultReporter): Promise<void> {
  if (opts.floor) return;
  const versions = leg.versions ?? (await endpointSchemaVersions(opts.client, leg.source, leg.target));
  const warning = schemaDifference(leg.kind, versions);
  if (!warning) return;
  opts.log?.warn({ route: opts.route ?? opts.client.run.runName, source: leg.source, target: leg.target, kind: leg.kind, sourceSchema: versions.source, targetSchema: versions.target }, 'the two ends of the route declare the kind differently');
  reporter.warn([{ ...warning, requestId: opts.client.requestId }]);
}

async function runKindPass(opts: PassOptions, leg: PassLeg, budget: Budget): Promise<KindPassSummary> {
  const { client, log } = opts;
  const { source, target, kind } = leg;
  const started = performance.now();
  const counts = zeroCounts();
  const reporter = new ResultReporter({ source, target, kind }, opts);
  const contextDrops: Promise<void>[] = [];
  let sourceContext: string | undefined;
  let pages = 0;
  let entries = 0;
  let totalResults: number | undefined;
  let state: 'done' | 'cut' = 'cut';
  let ceiling: Digest | undefined;
  const summary = (): KindPassSummary => {
    const seconds = (performance.now() - started) / 1000;
    return { source, target, kind, state, ceiling, ...counts, pages, entries, seconds, entriesPerSecond: rate(entries, seconds) };
  };
  const report = (resultFeed: string, page: number, pageState: PassState): void => {
    const pageCounts = readResultSummary(resultFeed);
    const pageEntries = summarisedEntries(pageCounts);
    entries += pageEntries;
    addCounts(counts, pageCounts);
    reporter.page(resultFeed, { totalResults, state: pageState, entries: pageEntries, ...pageCounts });
    opts.onProgress?.({ type: 'page', kind, page, entries: pageEntries, entriesDone: entries, totalResults, counts: pageCounts });
    log?.debug({ source, target, kind, page, entries: pageEntries }, 'page applied');
  };
  opts.onProgress?.({ type: 'kind', kind, source, target });
  try {
    // selecting
    const known = opts.floor;
    let floorBody: string;
    let targetDigest: Digest | undefined;
    if (known) {
      floorBody = digestEntryDocument(known, target, new Date().toISOString());
      targetDigest = known;
    } else {
      // Both digests at once (one round trip): when S is not ahead of T, the pass needs no selection.
      const [targetAnswer, sourceAnswer] = await Promise.all([client.exchange('GET', serviceUrl(target, '$syncDigest')), client.exchange('GET', serviceUrl(source, '$syncDigest'))]);
      floorBody = targetAnswer.body;
      targetDigest = digestOf(floorBody);
      const sourceDigest = digestOf(sourceAnswer.body);
      if (targetDigest && sourceDigest && passChangesNothing(sourceDigest, targetDigest)) {
        ceiling = sourceDigest;
        totalResults = 0;
        state = 'done';
        reporter.close('done');
        return summary();
      }
    }
    const schemaChecked = warnIfSchemasDiffer(opts, leg, reporter);
    const selection = await postTracked(client, source, '$syncSource', floorBody, ENTRY_TYPE, { count: opts.pageSize, syncMode: known ? 'immediate' : undefined }).finally(() => schemaChecked);
    sourceContext = selection.context;
    let nextPage: Promise<Answer> | undefined = Promise.resolve(selection.answer);
    let pendingResults: Promise<void> | undefined;
    while (nextPage) {
      // paging
      const page: Answer = await nextPage;
      nextPage = undefined;
      const head = readFeedHead(page.body);
      totalResults ??= head.totalResults;
      ceiling = head.ceiling ?? ceiling;
      budget.pagesLeft -= 1;
      const isLast = head.next === undefined;
      const isCut = !isLast && budget.pagesLeft <= 0;
      if (!isLast && !isCut) {
        nextPage = client.exchange('GET', head.next!);
        nextPage.catch(() => undefined); // read (and rethrown) on the next turn; never unhandled
      } else {
        // No more pages will be read: drop the source context while the target applies this one.
        contextDrops.push(dropContext(client, sourceContext, log));
        sourceContext = undefined;
      }
      // T's digest was read before this pass's earlier pages moved it up; the merge only ever changes
      // less on a higher digest, so a page that would change nothing then changes nothing now.
      if (isLast && !head.hasEntries && targetDigest && head.ceiling && emptyLastPageChangesNothing(targetDigest, head.ceiling, head.floor, head.mode)) {
        state = 'done';
        reporter.close('done');
        break;
      }
      // applying
      const applied = await postTracked(client, target, '$syncTarget', page.body, FEED_TYPE);
      contextDrops.push(dropContext(client, applied.context, log));
      pages += 1;
      // reporting: the previous page's results were read while this page was applied; this page's are read
      // while the next one is (off the critical path; a feed without a head summary is read whole).
      await pendingResults;
      const pageNo = pages;
      const pageState: PassState = isLast ? 'done' : isCut ? 'cut' : 'running';
      pendingResults = afterIo(() => report(applied.answer.body, pageNo, pageState));
      pendingResults.catch(() => undefined); // awaited (and rethrown) on the next turn; never unhandled
      if (isLast) state = 'done'; // merging: the target merged the ceiling with this page
      else if (!isCut && opts.shouldStop?.()) nextPage = undefined;
    }
    await pendingResults;
    if (state === 'cut') reporter.close('cut');
    return summary();
  } catch (err) {
    reporter.fail(err);
    throw new PassFailed(aggregate(source, target, [summary()]), err);
  } finally {
    await Promise.all([dropContext(client, sourceContext, log), ...contextDrops]);
    await reporter.flush();
  }
}

/** The target's digest as its $syncDigest answer gives it; undefined when it cannot be read here. */
function digestOf(body: string): Digest | undefined {
  try {
    return parseDigestDocument(parseXml(body));
  } catch {
    return undefined;
  }
}

function aggregate(source: string, target: string, kinds: KindPassSummary[]): PassSummary {
  const counts = zeroCounts();
  for (const k of kinds) addCounts(counts, k);
  const pages = kinds.reduce((n, k) => n + k.pages, 0);
  const entries = kinds.reduce((n, k) => n + k.entries, 0);
  const seconds = kinds.reduce((n, k) => n + k.seconds, 0);
  const state = kinds.every((k) => k.state === 'done') ? 'done' : 'cut';
  return { source, target, state, ceiling: kinds.length === 1 ? kinds[0].ceiling : undefined, ...counts, pages, entries, seconds, entriesPerSecond: rate(entries, seconds), kinds };
}

/**
 * What the loggers call a pass between these URLs before its kinds are known: an endpoint pair with its
 * kind, or an application pair with no kind (the records of its kinds say the rest).
 */
export function passIdentity(source: string, target: string): { source: string; target: string; kind: string } {
  const pair = { source: canonicalUrl(source), target: canonicalUrl(target) };
  try {
    const s = parseSDataUrl(source);
    return { ...pair, kind: s.level === 'endpoint' ? s.kind : '' };
  } catch {
    return { ...pair, kind: '' };
  }
}

/** One kind of a pass: its two endpoints, and their schema versions when the application's `$schema` gave them. */
export interface PassLeg {
  source: string;
  target: string;
  kind: string;
  versions?: SchemaVersions;
}

/** The (source, target, kind) endpoint pairs of a pass, in syncOrder. */
export async function passLegs(opts: Pick<PassOptions, 'source' | 'target' | 'client' | 'kinds'>): Promise<PassLeg[]> {
  const s = parseSDataUrl(opts.source);
  const t = parseSDataUrl(opts.target);
  if (s.level !== t.level) throw new Error('source and target must both be endpoint URLs or both application URLs');
  if (s.level === 'endpoint' && t.level === 'endpoint') return [{ source: s.endpointUrl, target: t.endpointUrl, kind: s.kind }];
  const kinds = await kindsToSync(opts.client, s.applicationUrl, t.applicationUrl, opts.kinds);
  return kinds.map((k) => ({ source: `${s.applicationUrl}/${k.name}`, target: `${t.applicationUrl}/${k.name}`, kind: k.name, versions: k.versions }));
}

/**
 * Runs a pass; throws PassFailed (with the work done so far) when it cannot finish. Either way it writes one
 * info line (`pass ended`, or `push ended` for an immediate push) with the route, the outcome, the counts,
 * the duration and the request id its requests carried.
 */
export async function runPass(opts: PassOptions): Promise<PassSummary> {
  const started = performance.now();
  try {
    const summary = await passOf(opts, started);
    logPass(opts, summary, summary.state);
    return summary;
  } catch (err) {
    if (err instanceof PassFailed) logPass(opts, { ...err.summary, seconds: (performance.now() - started) / 1000 }, 'failed', err.cause);
    throw err;
  }
}

function logPass(opts: PassOptions, s: PassSummary, outcome: 'done' | 'cut' | 'failed', err?: unknown): void {
  const { client } = opts;
  opts.log?.info(
    {
      route: opts.route ?? client.run.runName,
      runStamp: client.run.runStamp,
      requestId: client.requestId,
      source: s.source,
      target: s.target,
      outcome,
      created: s.created,
      updated: s.updated,
      deleted: s.deleted,
      conflicts: s.conflicts,
      failures: s.failures,
      skipped: s.skipped,
      warnings: s.warnings,
      entries: s.entries,
      pages: s.pages,
      seconds: Math.round(s.seconds * 1000) / 1000,
      ...(err === undefined ? {} : { err: describeError(err) }),
    },
    opts.floor ? 'push ended' : 'pass ended',
  );
}

async function passOf(opts: PassOptions, started: number): Promise<PassSummary> {
  let legs: Awaited<ReturnType<typeof passLegs>>;
  try {
    legs = await passLegs(opts);
  } catch (err) {
    // e.g. a $schema that cannot be read: no kind's record will say it, so the pair's own record does.
    await reportFailure(passIdentity(opts.source, opts.target), opts, err);
    throw new PassFailed(aggregate(opts.source, opts.target, []), err);
  }
  const budget: Budget = { pagesLeft: opts.stopAfterPages ?? Number.POSITIVE_INFINITY };
  const done: KindPassSummary[] = [];
  for (const leg of legs) {
    if (done.length > 0 && (budget.pagesLeft <= 0 || opts.shouldStop?.())) break;
    try {
      done.push(await runKindPass(opts, leg, budget));
    } catch (err) {
      if (err instanceof PassFailed) throw new PassFailed(aggregate(opts.source, opts.target, [...done, ...err.summary.kinds]), err.cause);
      throw err;
    }
  }
  const summary = aggregate(opts.source, opts.target, done);
  if (done.length < legs.length) summary.state = 'cut';
  summary.seconds = (performance.now() - started) / 1000;
  summary.entriesPerSecond = rate(summary.entries, summary.seconds);
  return summary;
}
