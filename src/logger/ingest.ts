/**
 * Turns a posted result feed into what the logger records. The feed is the one a target answered
 * (PROTOCOL.md 3.2) — the same body a source's `$syncResults` accepts. Run metadata comes from the query
 * (runName, runStamp, source, target, kind, totalResults, state: what the engine sends) or else from the
 * feed itself.
 *
 * Our engine also sends the page's counts (entries, created, updated, deleted, conflicts, failures,
 * skipped). A feed holding no diagnosis at all then needs no second reading: its counts are taken as sent
 * (reading 1,000 result entries costs ~40 ms). Any feed with a diagnosis, or without those counts, is read.
 */
import { parseResultFeed, summariseResults, type ResultRunMetadata } from '../atom/resultFeed';
import type { XmlLimits } from '../atom/xml';
import { SDataError } from '../protocol/diagnosis';
import { canonicalUrl } from '../protocol/endpointUrl';
import { z } from 'zod';
import { runStates, type NewEvent, type ResultPost, type RunCounts, type RunKey, type RunState, type TargetVoteRecord } from './records';
import { boundedIntegerOf, MAX_INT4 } from '../protocol/boundedValues';

export type Query = Record<string, unknown>;

function text(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `${name} must be given once` });
  return v;
}

function stateOf(q: Query): RunState {
  const v = text(q, 'state');
  if (v === undefined) return 'running';
  if (!(runStates as readonly string[]).includes(v)) throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `state must be one of ${runStates.join(', ')}` });
  return v as RunState;
}

function totalOf(q: Query): number | undefined {
  const v = text(q, 'totalResults');
  if (v === undefined || v === '') return undefined;
  const n = boundedIntegerOf(v, 0, MAX_INT4);
  if (n === undefined) throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `totalResults must be an integer from 0 to ${MAX_INT4}, not '${v.slice(0, 40)}'` });
  return n;
}

const MAX_VOTES_CHARS = 200_000;
const votesSchema = z.array(z.object({ target: z.string().min(1).max(2000), vote: z.string().min(1).max(20), outcome: z.string().min(1).max(20) }).strict()).max(1000);

/** `votes`: a distribution's targets with their votes, as JSON; 400 when it is not that. */
function votesOf(q: Query): TargetVoteRecord[] | undefined {
  const v = text(q, 'votes');
  if (v === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = v.length <= MAX_VOTES_CHARS ? JSON.parse(v) : undefined;
  } catch {
    parsed = undefined;
  }
  const checked = votesSchema.safeParse(parsed);
  if (!checked.success) throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: 'votes must be a JSON list of { target, vote, outcome } (at most 1,000)' });
  return checked.data;
}

const COUNT_NAMES = ['created', 'updated', 'deleted', 'conflicts', 'failures', 'skipped'] as const;
const FEED_ROOT = /^\s*(?:<\?xml[^>]*\?>\s*)?<(?:[A-Za-z_][\w.-]*:)?feed[\s>]/;

function countOf(q: Query, name: string): number | undefined {
  const v = text(q, name);
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = boundedIntegerOf(v, 0, MAX_INT4);
  if (n === undefined) throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `${name} must be an integer from 0 to ${MAX_INT4}, not '${v.slice(0, 40)}'` });
  return n;
}

/** The run a post belongs to: from the query, else from the feed's own metadata. */
function runKeyOf(q: Query, feed: ResultRunMetadata): RunKey {
  const source = text(q, 'source') ?? feed.source ?? '';
  // A distribution's record names its targets separated by spaces.
  const target = text(q, 'target') ?? feed.target ?? '';
  return {
    runName: text(q, 'runName') ?? feed.runName ?? '',
    runStamp: text(q, 'runStamp') ?? feed.runStamp ?? '',
    // One endpoint, one route key, however the engine reached it (protocol/endpointUrl.ts).
    source: canonicalUrl(source),
    target: target.split(' ').filter((t) => t !== '').map(canonicalUrl).join(' '),
    kind: text(q, 'kind') ?? feed.kind ?? '',
  };
}

/** The page as counted by the engine, when it says so and the feed holds no diagnosis to store. */
function countedPost(body: string, q: Query): ResultPost | undefined {
  const entries = countOf(q, 'entries');
  const counts = Object.fromEntries(COUNT_NAMES.map((n) => [n, countOf(q, n)])) as Partial<RunCounts>;
  if (entries === undefined || Object.values(counts).some((v) => v === undefined)) return undefined;
  if (body.includes('diagnosis') || !FEED_ROOT.test(body)) return undefined;
  return {
    run: runKeyOf(q, {}),
    state: stateOf(q),
    entriesRead: entries,
    counts: counts as RunCounts,
    totalResults: totalOf(q),
    events: [],
    votes: votesOf(q),
  };
}

export function resultPostOf(body: string, q: Query, limits?: XmlLimits): ResultPost {
  if (!body.trim()) throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'EmptyBody', message: 'expected a result feed' });
  const counted = countedPost(body, q);
  if (counted) return counted;
  const feed = parseResultFeed(body, limits);
  const events: NewEvent[] = [
    ...(feed.diagnoses ?? []).map((d) => ({ ...d })),
    ...feed.entries.flatMap((e) =>
      e.diagnoses.map((d) => ({ ...d, entryId: e.id, uuid: e.uuid, httpStatus: e.httpStatus, httpMethod: e.httpMethod, location: e.location })),
    ),
  ];
  return {
    run: runKeyOf(q, feed),
    state: stateOf(q),
    entriesRead: feed.entries.length,
    counts: summariseResults(feed.entries),
    totalResults: totalOf(q),
    events,
    votes: votesOf(q),
  };
}
