/**
 * The event logger's storage: a record per run (one pass of one kind, identified by runName, runStamp,
 * source, target and kind) whose counters grow with every result feed posted for it, and one event per
 * diagnosis received (the records: records.ts). Every SQL statement of the logger is here, and the one
 * reading of a row of each table (`runOf` for log_runs, `eventOf` for log_events).
 */
import type { Knex } from 'knex';
import { affectedRows, type Db, type DbOrTx } from '../store/db';
import type { Diagnosis, Severity } from '../protocol/diagnosis';
import type { EventFilter, EventRecord, LatestRun, Page, ResultPost, RunFilter, RunKey, RunRecord, RunState, TargetVoteRecord } from './records';
import { canonicalUrl } from '../protocol/endpointUrl';

const INSERT_BATCH = 500;

function parsedStamp(runStamp: string, fallback: Date): Date {
  const d = runStamp ? new Date(runStamp) : fallback;
  return Number.isNaN(d.getTime()) ? fallback : d;
}

/** Adds one result feed to its run (created on first sight) and stores its diagnoses; one transaction. */
export async function recordResultPost(db: Db, post: ResultPost, now = new Date()): Promise<{ runId: number; events: EventRecord[] }> {
  return db.transaction(async (trx) => {
    const isPage = post.entriesRead > 0 || post.state === 'running' || post.state === 'done';
    const { rows } = (await trx.raw(
      `INSERT INTO log_runs (run_name, run_stamp, source, target, kind, state, started_at, last_received_at, posts, pages,
                             entries_read, created, updated, deleted, failed, conflicts, skipped, total_results, votes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
       ON CONFLICT (run_name, run_stamp, source, target, kind) DO UPDATE SET
         state = CASE WHEN EXCLUDED.state <> 'running' THEN EXCLUDED.state ELSE log_runs.state END,
         started_at = LEAST(log_runs.started_at, EXCLUDED.started_at),
         last_received_at = GREATEST(log_runs.last_received_at, EXCLUDED.last_received_at),
         posts = log_runs.posts + 1,
         pages = log_runs.pages + EXCLUDED.pages,
         entries_read = log_runs.entries_read + EXCLUDED.entries_read,
         created = log_runs.created + EXCLUDED.created,
         updated = log_runs.updated + EXCLUDED.updated,
         deleted = log_runs.deleted + EXCLUDED.deleted,
         failed = log_runs.failed + EXCLUDED.failed,
         conflicts = log_runs.conflicts + EXCLUDED.conflicts,
         skipped = log_runs.skipped + EXCLUDED.skipped,
         total_results = COALESCE(EXCLUDED.total_results, log_runs.total_results),
         votes = COALESCE(EXCLUDED.votes, log_runs.votes)
       RETURNING id`,
      [
        post.run.runName,
        post.run.runStamp,
        post.run.source,
        post.run.target,
        post.run.kind,
        post.state,
        parsedStamp(post.run.runStamp, now),
        now,
        isPage ? 1 : 0,
        post.entriesRead,
        post.counts.created,
        post.counts.updated,
        post.counts.deleted,
        post.counts.failures,
        post.counts.conflicts,
        post.counts.skipped,
        post.totalResults ?? null,
        post.votes ? JSON.stringify(post.votes) : null,
      ],
    )) as { rows: { id: number | string }[] };
    const runId = Number(rows[0].id);
    const { runName, runStamp, source, target, kind } = post.run;
    const runKeyRow: RunKeyRow = { run_name: runName, run_stamp: runStamp, source, target, kind };
    const stored: EventRecord[] = [];
    for (let i = 0; i < post.events.length; i += INSERT_BATCH) {
      const batch = post.events.slice(i, i + INSERT_BATCH).map((e) => ({
        run_id: runId,
        received_at: now,
        severity: e.severity,
        sdata_code: e.sdataCode,
        application_code: e.applicationCode ?? null,
        message: e.message,
        payload_path: e.payloadPath ?? null,
        entry_id: e.entryId ?? null,
        uuid: e.uuid ?? null,
        http_status: e.httpStatus ?? null,
        http_method: e.httpMethod ?? null,
        location: e.location ?? null,
        request_id: e.requestId ?? null,
      }));
      const rows = (await trx('log_events').insert(batch).returning('*')) as Omit<EventRow, keyof RunKeyRow>[];
      for (const row of rows) stored.push(eventOf({ ...row, ...runKeyRow }));
    }
    return { runId, events: stored };
  });
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function whereRun(b: Knex.QueryBuilder, f: RunFilter, r: string): void {
  if (f.runName !== undefined) b.where(`${r}.run_name`, f.runName);
  if (f.runStamp !== undefined) b.where(`${r}.run_stamp`, f.runStamp);
  if (f.endpoint !== undefined) {
    const ep = canonicalUrl(f.endpoint);
    const under = `${escapeLike(ep)}/%`;
    // A distribution's record names its targets separated by spaces.
    const among = `% ${escapeLike(ep)} %`;
    b.where((w) =>
      w.where(`${r}.source`, ep).orWhere(`${r}.target`, ep).orWhereLike(`${r}.source`, under).orWhereLike(`${r}.target`, under).orWhereRaw(`(' ' || ?? || ' ') LIKE ?`, [`${r}.target`, among]),
    );
  }
}

/** A row of log_runs: the columns named as the record's fields are read as they are. */
interface RunRow extends Pick<RunRecord, 'state' | 'source' | 'target' | 'kind' | 'pages' | 'created' | 'updated' | 'deleted' | 'failed' | 'conflicts' | 'skipped'> {
  id: number | string;
  run_name: string;
  run_stamp: string;
  started_at: Date | string;
  last_received_at: Date | string;
  entries_read: number;
  total_results: number | null;
  votes: TargetVoteRecord[] | string | null;
}

const iso = (d: Date | string): string => new Date(d).toISOString();

/** The columns of log_runs that identify a run (an event's row has them too, joined). */
type RunKeyRow = Pick<RunRow, 'run_name' | 'run_stamp' | 'source' | 'target' | 'kind'>;

const runKeyOf = (row: RunKeyRow): RunKey => ({ runName: row.run_name, runStamp: row.run_stamp, source: row.source, target: row.target, kind: row.kind });

function runOf(row: RunRow): RunRecord {
  const started = new Date(row.started_at);
  const last = new Date(row.last_received_at);
  const total = row.total_results ?? undefined;
  return {
    id: Number(row.id),
    ...runKeyOf(row),
    state: row.state,
    startedAt: started.toISOString(),
    lastReceivedAt: last.toISOString(),
    durationSeconds: Math.max(0, (last.getTime() - started.getTime()) / 1000),
    pages: row.pages,
    entriesRead: row.entries_read,
    entriesWritten: row.created + row.updated + row.deleted,
    created: row.created,
    updated: row.updated,
    deleted: row.deleted,
    failed: row.failed,
    conflicts: row.conflicts,
    skipped: row.skipped,
    totalResults: total,
    pending: row.state === 'done' ? 0 : total === undefined ? undefined : Math.max(0, total - row.entries_read),
    votes: row.votes === null ? undefined : typeof row.votes === 'string' ? (JSON.parse(row.votes) as TargetVoteRecord[]) : row.votes,
  };
}

export async function listRuns(db: DbOrTx, f: RunFilter & { state?: RunState }, page: Page): Promise<{ total: number; items: RunRecord[] }> {
  const base = db('log_runs as r');
  whereRun(base, f, 'r');
  if (f.state !== undefined) base.where('r.state', f.state);
  if (f.since !== undefined) base.where('r.last_received_at', '>=', f.since);
  if (f.until !== undefined) base.where('r.started_at', '<=', f.until);
  const [{ n }] = (await base.clone().count({ n: '*' })) as { n: string | number }[];
  const rows = (await base.clone().select('r.*').orderBy([{ column: 'r.started_at', order: 'desc' }, { column: 'r.id', order: 'desc' }]).offset(page.offset).limit(page.limit)) as RunRow[];
  return { total: Number(n), items: rows.map(runOf) };
}

export async function findRun(db: DbOrTx, id: number): Promise<RunRecord | undefined> {
  const row = (await db('log_runs').where({ id }).first()) as RunRow | undefined;
  return row ? runOf(row) : undefined;
}

interface EventRow extends RunKeyRow {
  id: number | string;
  run_id: number | string;
  received_at: Date | string;
  severity: Severity;
  sdata_code: Diagnosis['sdataCode'];
  application_code: string | null;
  message: string;
  payload_path: string | null;
  entry_id: string | null;
  uuid: string | null;
  http_status: number | null;
  http_method: string | null;
  location: string | null;
  request_id: string | null;
}

function eventOf(row: EventRow): EventRecord {
  return {
    id: Number(row.id),
    runId: Number(row.run_id),
    receivedAt: iso(row.received_at),
    severity: row.severity,
    sdataCode: row.sdata_code,
    applicationCode: row.application_code ?? undefined,
    message: row.message,
    payloadPath: row.payload_path ?? undefined,
    entryId: row.entry_id ?? undefined,
    uuid: row.uuid ?? undefined,
    httpStatus: row.http_status ?? undefined,
    httpMethod: row.http_method ?? undefined,
    location: row.location ?? undefined,
    requestId: row.request_id ?? undefined,
    run: runKeyOf(row),
  };
}

export async function listEvents(db: DbOrTx, f: EventFilter, page: Page): Promise<{ total: number; items: EventRecord[] }> {
  const base = db('log_events as e').join('log_runs as r', 'r.id', 'e.run_id');
  whereRun(base, f, 'r');
  if (f.runId !== undefined) base.where('e.run_id', f.runId);
  if (f.requestId !== undefined) base.where('e.request_id', f.requestId);
  if (f.severities?.length) base.whereIn('e.severity', f.severities);
  if (f.since !== undefined) base.where('e.received_at', '>=', f.since);
  if (f.until !== undefined) base.where('e.received_at', '<=', f.until);
  const [{ n }] = (await base.clone().count({ n: '*' })) as { n: string | number }[];
  const rows = (await base
    .clone()
    .select('e.*', 'r.run_name', 'r.run_stamp', 'r.source', 'r.target', 'r.kind')
    .orderBy([{ column: 'e.received_at', order: 'desc' }, { column: 'e.id', order: 'desc' }])
    .offset(page.offset)
    .limit(page.limit)) as EventRow[];
  return { total: Number(n), items: rows.map(eventOf) };
}


/** Deletes events received before the cutoff, and runs whose last post came before it (with their events). */
export async function pruneBefore(db: Db, cutoff: Date): Promise<{ events: number; runs: number }> {
  return db.transaction(async (trx) => {
    const events = affectedRows(await trx('log_events').where('received_at', '<', cutoff).del());
    const runs = affectedRows(await trx('log_runs').where('last_received_at', '<', cutoff).del());
    return { events, runs };
  });
}

/**
 * The latest run of each route, routes ordered by source, target and kind (at most `limit`), with the end of
 * each route's last done run. The routes are found by a skip scan of the index of migration 010 (one index
 * probe per route, not a read of the whole history), then each route's latest run and last done run by one
 * probe each.
 */
export async function latestRunPerRoute(db: DbOrTx, limit: number): Promise<LatestRun[]> {
  const { rows } = (await db.raw(
    `WITH RECURSIVE routes AS (
       (SELECT source, target, kind FROM log_runs ORDER BY source, target, kind LIMIT 1)
       UNION ALL
       SELECT n.source, n.target, n.kind FROM routes r
         CROSS JOIN LATERAL (SELECT source, target, kind FROM log_runs
                              WHERE (source, target, kind) > (r.source, r.target, r.kind)
                              ORDER BY source, target, kind LIMIT 1) n
     )
     SELECT l.*, s.last_success
       FROM (SELECT * FROM routes LIMIT ?) r
       CROSS JOIN LATERAL (SELECT * FROM log_runs x WHERE x.source = r.source AND x.target = r.target AND x.kind = r.kind
                            ORDER BY x.started_at DESC, x.id DESC LIMIT 1) l
       LEFT JOIN LATERAL (SELECT MAX(d.last_received_at) AS last_success FROM log_runs d
                           WHERE d.source = r.source AND d.target = r.target AND d.kind = r.kind AND d.state = 'done') s ON true
      ORDER BY l.source, l.target, l.kind`,
    [limit],
  )) as { rows: (RunRow & { last_success: Date | string | null })[] };
  return rows.map((r) => ({ ...runOf(r), lastSuccessAt: r.last_success === null ? undefined : iso(r.last_success) }));
}
