/** Parked conflicts: both versions of every conflict, which won and why, until a person keeps or dismisses the loser. */
import type { DbOrTx } from './db';
import { LISTING_COLUMNS, pagedList, type Paged } from './pagedList';
import { utcText, whereOnTable, type TableColumns } from './querySql';
import type { Condition } from '../query/typed';
import type { ParkedConflict, StoredVersion } from '../protocol/pagePlan';

export type ConflictStatus = 'open' | 'kept' | 'dismissed';

export interface ConflictRecord {
  id: number;
  uuid: string;
  key: string;
  winner: 'source' | 'target';
  reason: string;
  winnerVersion: StoredVersion;
  loserVersion: StoredVersion;
  runName?: string;
  runStamp?: string;
  status: ConflictStatus;
  createdAt: string;
  decidedAt?: string;
}

interface Row {
  id: number;
  uuid: string;
  local_key: string;
  winner: 'source' | 'target';
  reason: string;
  winner_version: StoredVersion;
  loser_version: StoredVersion;
  run_name: string | null;
  run_stamp: string | null;
  status: ConflictStatus;
  created_at: Date;
  decided_at: Date | null;
}

const fromRow = (r: Row): ConflictRecord => ({
  id: Number(r.id),
  uuid: r.uuid,
  key: r.local_key,
  winner: r.winner,
  reason: r.reason,
  winnerVersion: r.winner_version,
  loserVersion: r.loser_version,
  runName: r.run_name ?? undefined,
  runStamp: r.run_stamp ?? undefined,
  status: r.status,
  createdAt: new Date(r.created_at).toISOString(),
  decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : undefined,
});

export async function parkConflicts(
  db: DbOrTx,
  endpointId: number,
  conflicts: (ParkedConflict & { key: string })[],
  run: { runName?: string; runStamp?: string },
): Promise<void> {
  if (conflicts.length === 0) return;
  const rows = conflicts.map((c) => ({
    endpoint_id: endpointId,
    uuid: c.uuid,
    local_key: c.key,
    winner: c.winner,
    reason: c.reason,
    winner_version: JSON.stringify(c.winnerVersion),
    loser_version: JSON.stringify(c.loserVersion),
    run_name: run.runName ?? null,
    run_stamp: run.runStamp ?? null,
  }));
  for (let i = 0; i < rows.length; i += 500) await db('conflicts').insert(rows.slice(i, i + 500));
}

/** What a `where` on `$conflicts` may name. */
export const CONFLICT_COLUMNS: TableColumns = {
  ...LISTING_COLUMNS,
  key: { type: 'string', sql: 'local_key' },
  winner: { type: 'string', sql: 'winner' },
  reason: { type: 'string', sql: 'reason' },
  decidedAt: { type: 'datetime', sql: utcText('decided_at') },
};

export async function listConflicts(
  db: DbOrTx,
  endpointId: number,
  opts: { status?: ConflictStatus; where?: Condition; offset: number; limit: number },
): Promise<Paged<ConflictRecord>> {
  const query = whereOnTable(db('conflicts').where({ endpoint_id: endpointId }), CONFLICT_COLUMNS, opts.where);
  if (opts.status) query.andWhere({ status: opts.status });
  return pagedList(query, { column: 'id' }, opts, fromRow);
}

export async function findConflict(db: DbOrTx, endpointId: number, id: number): Promise<ConflictRecord | undefined> {
  const r = await db('conflicts').where({ endpoint_id: endpointId, id }).first();
  return r ? fromRow(r) : undefined;
}

export async function decideConflict(db: DbOrTx, id: number, status: Exclude<ConflictStatus, 'open'>): Promise<void> {
  await db('conflicts').where({ id }).update({ status, decided_at: db.fn.now() });
}

/** Open (parked, undecided) conflicts by endpoint id, in one grouped query; endpoints with none are absent. */
export async function openConflictCounts(db: DbOrTx): Promise<Map<number, number>> {
  const rows: { endpoint_id: number; n: number | string }[] = await db('conflicts').where({ status: 'open' }).groupBy('endpoint_id').select('endpoint_id', db.raw('count(*) AS n'));
  return new Map(rows.map((r) => [Number(r.endpoint_id), Number(r.n)]));
}
