/**
 * The quarantine: feed entries that could not be applied, kept whole with their diagnoses and retried later
 * (status open, then applied or superseded). A source lists here too the versions of its own it holds back
 * from its feeds (status withheld: a value XML cannot carry); those are never retried, a later version of
 * the resource is served instead.
 */
import type { DbOrTx } from './db';
import { LISTING_COLUMNS, pagedList, type Paged } from './pagedList';
import { utcText, whereOnTable, type TableColumns } from './querySql';
import type { Condition } from '../query/typed';
import type { Diagnosis } from '../protocol/diagnosis';
import type { Digest } from '../protocol/types';

export type FailureStatus = 'open' | 'applied' | 'superseded' | 'withheld';

export interface FailureRecord {
  id: number;
  uuid?: string;
  entry: unknown;
  ceiling: Digest;
  diagnoses: Diagnosis[];
  attempts: number;
  status: FailureStatus;
  runName?: string;
  runStamp?: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: number;
  uuid: string | null;
  entry: unknown;
  ceiling: Digest;
  diagnosis: Diagnosis[];
  attempts: number;
  status: FailureStatus;
  run_name: string | null;
  run_stamp: string | null;
  created_at: Date;
  updated_at: Date;
}

const fromRow = (r: Row): FailureRecord => ({
  id: Number(r.id),
  uuid: r.uuid ?? undefined,
  entry: r.entry,
  ceiling: r.ceiling,
  diagnoses: r.diagnosis,
  attempts: r.attempts,
  status: r.status,
  runName: r.run_name ?? undefined,
  runStamp: r.run_stamp ?? undefined,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function quarantineEntries(
  db: DbOrTx,
  endpointId: number,
  items: { uuid?: string; entry: unknown; ceiling: Digest; diagnoses: Diagnosis[] }[],
  run: { runName?: string; runStamp?: string },
): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((i) => ({
    endpoint_id: endpointId,
    uuid: i.uuid && UUID.test(i.uuid) ? i.uuid : null,
    entry: JSON.stringify(i.entry),
    ceiling: JSON.stringify(i.ceiling),
    diagnosis: JSON.stringify(i.diagnoses),
    run_name: run.runName ?? null,
    run_stamp: run.runStamp ?? null,
  }));
  for (let i = 0; i < rows.length; i += 500) await db('failures').insert(rows.slice(i, i + 500));
}

/** A version a source holds back: its entry (sync state, UUID, id; no payload), the ceiling of the selection, why. */
export interface WithheldVersion {
  uuid: string;
  entry: { state: { endpoint: string; tick: number }; [field: string]: unknown };
  ceiling: Digest;
  diagnoses: Diagnosis[];
}

/** Records versions a source holds back from its feeds, each once (a version is its sync state: endpoint and tick). */
export async function withholdVersions(db: DbOrTx, endpointId: number, items: WithheldVersion[], run: { runName?: string; runStamp?: string } = {}): Promise<void> {
  for (const i of items) {
    const known = await db('failures')
      .where({ endpoint_id: endpointId, status: 'withheld', uuid: i.uuid })
      .whereRaw(`entry->'state'->>'endpoint' = ? AND entry->'state'->>'tick' = ?`, [i.entry.state.endpoint, String(i.entry.state.tick)])
      .first('id');
    if (known) continue;
    await db('failures').insert({
      endpoint_id: endpointId,
      uuid: i.uuid,
      entry: JSON.stringify(i.entry),
      ceiling: JSON.stringify(i.ceiling),
      diagnosis: JSON.stringify(i.diagnoses),
      status: 'withheld',
      run_name: run.runName ?? null,
      run_stamp: run.runStamp ?? null,
    });
  }
}

/** True when the endpoint has an open quarantined entry (one index probe). */
export async function hasOpenFailures(db: DbOrTx, endpointId: number): Promise<boolean> {
  return (await db('failures').where({ endpoint_id: endpointId, status: 'open' }).first('id')) !== undefined;
}

/** Open quarantined entries (oldest first); `ids` narrows to those. */
export async function openFailures(db: DbOrTx, endpointId: number, limit: number, ids?: number[]): Promise<FailureRecord[]> {
  const q = db('failures').where({ endpoint_id: endpointId, status: 'open' });
  if (ids) q.whereIn('id', ids);
  return (await q.orderBy('id').limit(limit)).map(fromRow);
}

/** What a `where` on `$failures` may name. */
export const FAILURE_COLUMNS: TableColumns = {
  ...LISTING_COLUMNS,
  attempts: { type: 'number', sql: 'attempts' },
  updatedAt: { type: 'datetime', sql: utcText('updated_at') },
};

export async function listFailures(
  db: DbOrTx,
  endpointId: number,
  opts: { status?: FailureStatus; where?: Condition; offset: number; limit: number },
): Promise<Paged<FailureRecord>> {
  const query = whereOnTable(db('failures').where({ endpoint_id: endpointId }), FAILURE_COLUMNS, opts.where);
  if (opts.status) query.andWhere({ status: opts.status });
  return pagedList(query, { column: 'id' }, opts, fromRow);
}

export async function findFailure(db: DbOrTx, endpointId: number, id: number): Promise<FailureRecord | undefined> {
  const r = await db('failures').where({ endpoint_id: endpointId, id }).first();
  return r ? fromRow(r) : undefined;
}

/** Records the outcome of a retry: applied, superseded (a newer version is there), or still failing. */
export async function settleFailure(db: DbOrTx, id: number, status: FailureStatus, diagnoses?: Diagnosis[]): Promise<void> {
  const row: Record<string, unknown> = { status, updated_at: db.fn.now(), attempts: db.raw('attempts + 1') };
  if (diagnoses) row.diagnosis = JSON.stringify(diagnoses);
  await db('failures').where({ id }).update(row);
}

/** Open (quarantined, not yet applied) failures by endpoint id, in one grouped query; endpoints with none are absent. */
export async function openFailureCounts(db: DbOrTx): Promise<Map<number, number>> {
  const rows: { endpoint_id: number; n: number | string }[] = await db('failures').where({ status: 'open' }).groupBy('endpoint_id').select('endpoint_id', db.raw('count(*) AS n'));
  return new Map(rows.map((r) => [Number(r.endpoint_id), Number(r.n)]));
}
