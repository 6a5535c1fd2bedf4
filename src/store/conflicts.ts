/** Parked conflicts: both versions of every conflict, which won and why, until a person keeps or dismisses the loser. */
import type { DbOrTx } from './db';
import { listedItemOf, listedTable, runColumns, type ListedItem, type ListedRow, type RunOfItem } from './listedTable';
import { utcText } from './querySql';
import type { ParkedConflict, StoredVersion } from '../protocol/pagePlan';

export type ConflictStatus = 'open' | 'kept' | 'dismissed';

export interface ConflictRecord extends ListedItem<ConflictStatus> {
  uuid: string;
  key: string;
  winner: 'source' | 'target';
  reason: string;
  winnerVersion: StoredVersion;
  loserVersion: StoredVersion;
  decidedAt?: string;
}

interface Row extends ListedRow<ConflictStatus> {
  uuid: string;
  local_key: string;
  winner: 'source' | 'target';
  reason: string;
  winner_version: StoredVersion;
  loser_version: StoredVersion;
  decided_at: Date | null;
}

const fromRow = (r: Row): ConflictRecord => ({
  ...listedItemOf(r),
  uuid: r.uuid,
  key: r.local_key,
  winner: r.winner,
  reason: r.reason,
  winnerVersion: r.winner_version,
  loserVersion: r.loser_version,
  decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : undefined,
});

/** The `conflicts` table: `$conflicts` lists it, a `where` on it may name these columns too. */
export const conflictTable = listedTable<Row, ConflictRecord, ConflictStatus>('conflicts', {
  key: { type: 'string', sql: 'local_key' },
  winner: { type: 'string', sql: 'winner' },
  reason: { type: 'string', sql: 'reason' },
  decidedAt: { type: 'datetime', sql: utcText('decided_at') },
}, fromRow);

export async function parkConflicts(db: DbOrTx, endpointId: number, conflicts: (ParkedConflict & { key: string })[], run: RunOfItem): Promise<void> {
  await conflictTable.insert(
    db,
    conflicts.map((c) => ({
      endpoint_id: endpointId,
      uuid: c.uuid,
      local_key: c.key,
      winner: c.winner,
      reason: c.reason,
      winner_version: JSON.stringify(c.winnerVersion),
      loser_version: JSON.stringify(c.loserVersion),
      ...runColumns(run),
    })),
  );
}

export async function decideConflict(db: DbOrTx, id: number, status: Exclude<ConflictStatus, 'open'>): Promise<void> {
  await db('conflicts').where({ id }).update({ status, decided_at: db.fn.now() });
}
