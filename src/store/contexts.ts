/**
 * Async contexts of the sync services, kept in the database so that any server process sharing it can
 * answer the next request, and a restart loses none.
 *
 *   source:   ready ──(pages read)──> ready ──DELETE──> (gone)
 *   target:   applying ──> done | failed ──DELETE──> (gone)
 *
 *   prepared (a two-phase batch, PROTOCOL.md 7; pages and UUID locks in store/preparedBatches.ts):
 *
 *     POST ?phase=prepare ──Ack──> prepared ──POST ?phase=prepare (same ID, Ack)──> prepared (page added)
 *       │                           │ ├──$commit (before expires_at)──> committed (pages applied, one transaction)
 *       │                           │ ├──$abort──────────────────────> aborted
 *       │                           │ └──expires_at passed (sweep timer, start of a server, or a late $commit)──> aborted
 *       └──Nak / OutOfSync──> aborted          a later prepare page that Naks aborts the whole batch too
 *
 *   committed and aborted keep their answer (a repeated $commit or $abort gets the same one); locks and pages
 *   are dropped on leaving `prepared`, so a server stopped between prepare and commit finds the batch
 *   aborted once its timeout has passed, and nothing of it was ever visible.
 *
 * Any context idle longer than the configured time expires (deleted by `expireContexts`).
 *
 * A context is named by its endpoint and its tracking ID together: the same ID at two endpoints names two
 * contexts, and nothing done at one endpoint reaches a context of another. At one endpoint an ID names one
 * context: a request with an ID that names a context of another role there is refused (409 TrackingIdInUse).
 */
import { affectedRows, type DbOrTx } from './db';
import { SDataError } from '../protocol/diagnosis';
import type { Digest, SyncMode } from '../protocol/types';

export type ContextRole = 'source' | 'target' | 'prepared';
type ContextStatus = 'ready' | 'applying' | 'done' | 'failed' | 'prepared' | 'committed' | 'aborted';

/** Keyset positions of a source selection: for a page's startIndex, the last (endpoint, tick) before it. */
interface SourceCursor {
  /** startIndex -> the key after which that page starts (null: from the beginning). */
  pages: Record<string, [string, number] | null>;
}

export interface SyncContext {
  id: string;
  endpointId: number;
  role: ContextRole;
  status: ContextStatus;
  runName?: string;
  runStamp?: string;
  mode?: SyncMode;
  floor?: Digest;
  ceiling?: Digest;
  cursor?: SourceCursor;
  total?: number;
  progress?: Record<string, unknown>;
  result?: string;
  resultStatus?: number;
  /** A prepared batch aborts by itself at this time. */
  expiresAt?: Date;
  createdAt: Date;
  touchedAt: Date;
}

interface ContextRow {
  id: string;
  endpoint_id: number;
  role: ContextRole;
  status: ContextStatus;
  run_name: string | null;
  run_stamp: string | null;
  mode: SyncMode | null;
  floor: Digest | null;
  ceiling: Digest | null;
  cursor: SourceCursor | null;
  total: number | null;
  progress: Record<string, unknown> | null;
  result: string | null;
  result_status: number | null;
  expires_at: Date | null;
  created_at: Date;
  touched_at: Date;
}

function fromRow(r: ContextRow): SyncContext {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    role: r.role,
    status: r.status,
    runName: r.run_name ?? undefined,
    runStamp: r.run_stamp ?? undefined,
    mode: r.mode ?? undefined,
    floor: r.floor ?? undefined,
    ceiling: r.ceiling ?? undefined,
    cursor: r.cursor ?? undefined,
    total: r.total ?? undefined,
    progress: r.progress ?? undefined,
    result: r.result ?? undefined,
    resultStatus: r.result_status ?? undefined,
    expiresAt: r.expires_at ? new Date(r.expires_at) : undefined,
    createdAt: new Date(r.created_at),
    touchedAt: new Date(r.touched_at),
  };
}

/** A context to save: everything but the times, which the database sets. */
export type NewContext = Omit<SyncContext, 'createdAt' | 'touchedAt'>;

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/**
 * Creates a context, or replaces the one with the same tracking ID at the same endpoint and role; with
 * `ifAbsent`, an existing context is left as it is. 409 TrackingIdInUse when the ID names a context of
 * another role at this endpoint (which is left as it is).
 */
export async function saveContext(db: DbOrTx, c: NewContext, opts: { ifAbsent?: boolean } = {}): Promise<void> {
  const row = {
    id: c.id,
    endpoint_id: c.endpointId,
    role: c.role,
    status: c.status,
    run_name: c.runName ?? null,
    run_stamp: c.runStamp ?? null,
    mode: c.mode ?? null,
    floor: json(c.floor),
    ceiling: json(c.ceiling),
    cursor: json(c.cursor),
    total: c.total ?? null,
    progress: json(c.progress),
    result: c.result ?? null,
    result_status: c.resultStatus ?? null,
    expires_at: c.expiresAt ?? null,
    created_at: db.fn.now(),
    touched_at: db.fn.now(),
  };
  // An existing context of the same role is replaced (or, ifAbsent, kept by a no-op update); one of another
  // role matches no row of the update, so nothing comes back.
  const insert = db('contexts').insert(row).onConflict(['endpoint_id', 'id']);
  const merged = opts.ifAbsent ? insert.merge({ touched_at: db.raw('??', ['contexts.touched_at']) }) : insert.merge();
  const saved = (await merged.where('contexts.role', c.role).returning('id')) as unknown[];
  if (saved.length === 0) {
    throw new SDataError(409, {
      sdataCode: 'ApplicationDiagnosis',
      applicationCode: 'TrackingIdInUse',
      message: `tracking ID '${c.id}' already names another context at this endpoint; use a new tracking ID`,
    });
  }
}

export async function findContext(db: DbOrTx, endpointId: number, role: ContextRole, id: string, opts: { forUpdate?: boolean } = {}): Promise<SyncContext | undefined> {
  const q = db<ContextRow>('contexts').where({ id, endpoint_id: endpointId, role }).first();
  const r = await (opts.forUpdate ? q.forUpdate() : q);
  return r ? fromRow(r as ContextRow) : undefined;
}

export async function updateContext(
  db: DbOrTx,
  endpointId: number,
  id: string,
  changes: Partial<Pick<NewContext, 'status' | 'cursor' | 'progress' | 'result' | 'resultStatus' | 'total' | 'expiresAt'>>,
): Promise<void> {
  const row: Record<string, unknown> = { touched_at: db.fn.now() };
  if (changes.status !== undefined) row.status = changes.status;
  if (changes.cursor !== undefined) row.cursor = json(changes.cursor);
  if (changes.progress !== undefined) row.progress = json(changes.progress);
  if (changes.result !== undefined) row.result = changes.result;
  if (changes.resultStatus !== undefined) row.result_status = changes.resultStatus;
  if (changes.total !== undefined) row.total = changes.total;
  if (changes.expiresAt !== undefined) row.expires_at = changes.expiresAt;
  await db('contexts').where({ endpoint_id: endpointId, id }).update(row);
}

/** Deletes a context; false when there was none. */
export async function deleteContext(db: DbOrTx, endpointId: number, role: ContextRole, id: string): Promise<boolean> {
  return affectedRows(await db('contexts').where({ id, endpoint_id: endpointId, role }).delete()) > 0;
}

/** Deletes every context idle for longer than `idleSeconds` (a prepared batch only once it is past its own timeout); returns how many. */
export async function expireContexts(db: DbOrTx, idleSeconds: number): Promise<number> {
  return affectedRows(
    await db('contexts')
      .where('touched_at', '<', db.raw(`now() - make_interval(secs => ?)`, [idleSeconds]))
      .whereNot((w) => w.where({ role: 'prepared', status: 'prepared' }).where('expires_at', '>', db.fn.now()))
      .delete(),
  );
}
