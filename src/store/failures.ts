/**
 * The quarantine: feed entries that could not be applied, kept whole with their diagnoses and retried later
 * (status open, then applied or superseded). A source lists here too the versions of its own it holds back
 * from its feeds (status withheld: a value XML cannot carry); those are never retried, a later version of
 * the resource is served instead.
 */
import type { DbOrTx } from './db';
import { listedItemOf, listedTable, runColumns, type ListedItem, type ListedRow, type RunOfItem } from './listedTable';
import { utcText } from './querySql';
import type { Diagnosis } from '../protocol/diagnosis';
import type { Digest } from '../protocol/types';

export type FailureStatus = 'open' | 'applied' | 'superseded' | 'withheld';

/** An entry put in quarantine: the entry whole, the ceiling of its page, why it failed. */
interface Quarantined {
  uuid?: string;
  entry: unknown;
  ceiling: Digest;
  diagnoses: Diagnosis[];
}

export interface FailureRecord extends ListedItem<FailureStatus>, Quarantined {
  attempts: number;
  updatedAt: string;
}

interface Row extends ListedRow<FailureStatus> {
  uuid: string | null;
  entry: unknown;
  ceiling: Digest;
  diagnosis: Diagnosis[];
  attempts: number;
  updated_at: Date;
}

const fromRow = (r: Row): FailureRecord => ({
  ...listedItemOf(r),
  uuid: r.uuid ?? undefined,
  entry: r.entry,
  ceiling: r.ceiling,
  diagnoses: r.diagnosis,
  attempts: r.attempts,
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** The `failures` table: `$failures` lists it, a `where` on it may name these columns too. */
export const failureTable = listedTable<Row, FailureRecord, FailureStatus>('failures', {
  attempts: { type: 'number', sql: 'attempts' },
  updatedAt: { type: 'datetime', sql: utcText('updated_at') },
}, fromRow);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The columns of a new row of the quarantine. */
const newRow = (endpointId: number, i: Quarantined, run: RunOfItem) => ({
  endpoint_id: endpointId,
  uuid: i.uuid && UUID.test(i.uuid) ? i.uuid : null,
  entry: JSON.stringify(i.entry),
  ceiling: JSON.stringify(i.ceiling),
  diagnosis: JSON.stringify(i.diagnoses),
  ...runColumns(run),
});

export async function quarantineEntries(db: DbOrTx, endpointId: number, items: Quarantined[], run: RunOfItem): Promise<void> {
  await failureTable.insert(db, items.map((i) => newRow(endpointId, i, run)));
}

/** A version a source holds back: its entry (sync state, UUID, id; no payload), the ceiling of the selection, why. */
export interface WithheldVersion {
  uuid: string;
  entry: { state: { endpoint: string; tick: number }; [field: string]: unknown };
  ceiling: Digest;
  diagnoses: Diagnosis[];
}

/** Records versions a source holds back from its feeds, each once (a version is its sync state: endpoint and tick). */
export async function withholdVersions(db: DbOrTx, endpointId: number, items: WithheldVersion[], run: RunOfItem = {}): Promise<void> {
  for (const i of items) {
    const known = await db('failures')
      .where({ endpoint_id: endpointId, status: 'withheld', uuid: i.uuid })
      .whereRaw(`entry->'state'->>'endpoint' = ? AND entry->'state'->>'tick' = ?`, [i.entry.state.endpoint, String(i.entry.state.tick)])
      .first('id');
    if (known) continue;
    await db('failures').insert({ ...newRow(endpointId, i, run), uuid: i.uuid, status: 'withheld' });
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

/** Records the outcome of a retry: applied, superseded (a newer version is there), or still failing. */
export async function settleFailure(db: DbOrTx, id: number, status: FailureStatus, diagnoses?: Diagnosis[]): Promise<void> {
  const row: Record<string, unknown> = { status, updated_at: db.fn.now(), attempts: db.raw('attempts + 1') };
  if (diagnoses) row.diagnosis = JSON.stringify(diagnoses);
  await db('failures').where({ id }).update(row);
}
