/**
 * An endpoint's logical clock (PROTOCOL.md 1 and 2.1): `endpoints.clock` is the first tick not yet given out.
 *
 * Prefix visibility: ticks are given out by an UPDATE of the endpoint's row, whose row lock is held until
 * the transaction commits. A second writer of the same endpoint waits on that lock, so it takes its ticks
 * only after the first has committed (or rolled back): tick t+1 can never become visible before tick t.
 * Every writer of an endpoint's resources takes this lock FIRST (takeTicks or lockClock), before touching
 * resource rows, so writers never deadlock on each other.
 */
import type { Tx } from './db';
import type { Stamp } from '../protocol/types';

/** Wall-clock time of the stamp as an ISO string (ms precision, like every protocol stamp). */
function stampOf(value: Date | string): Stamp {
  return new Date(value).toISOString();
}

/**
 * Gives out `n` consecutive ticks `first .. first + n - 1` and moves the clock past them. The stamp is the
 * time the ticks were taken (under the lock, so stamps never go down as ticks go up).
 */
export async function takeTicks(trx: Tx, endpointId: number, n: number): Promise<{ first: number; stamp: Stamp }> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`takeTicks: n must be a positive integer, not ${n}`);
  const { rows } = await trx.raw<{ rows: { first: number | string; stamp: Date | string }[] }>(
    `UPDATE endpoints
        SET clock = clock + ?,
            clock_stamp = GREATEST(clock_stamp, date_trunc('milliseconds', clock_timestamp()))
      WHERE id = ?
      RETURNING clock - ? AS first, clock_stamp AS stamp`,
    [n, endpointId, n],
  );
  if (rows.length === 0) throw new Error(`takeTicks: no endpoint ${endpointId}`);
  return { first: Number(rows[0].first), stamp: stampOf(rows[0].stamp) };
}

/**
 * Locks the endpoint's clock until commit and reads it (for work that decides later how many ticks it takes).
 * FOR NO KEY UPDATE, the lock an UPDATE of the clock takes itself: it excludes every other clock writer, yet
 * lets other transactions insert rows that reference the endpoint (their foreign-key checks only share it).
 */
export async function lockClock(trx: Tx, endpointId: number): Promise<{ clock: number; stamp: Stamp }> {
  const row = await trx('endpoints').select('clock', 'clock_stamp').where('id', endpointId).forNoKeyUpdate().first<{ clock: number | string; clock_stamp: Date | string } | undefined>();
  if (!row) throw new Error(`lockClock: no endpoint ${endpointId}`);
  return { clock: Number(row.clock), stamp: stampOf(row.clock_stamp) };
}

/**
 * Moves a locked clock up to `clock` (ticks taken by a plan computed under lockClock). The clock never
 * moves down; the stamp moves only with it.
 */
export async function setClock(trx: Tx, endpointId: number, clock: number, stamp: Stamp): Promise<void> {
  await trx.raw(
    `UPDATE endpoints
        SET clock_stamp = CASE WHEN ? > clock THEN GREATEST(clock_stamp, ?::timestamptz) ELSE clock_stamp END,
            clock = GREATEST(clock, ?)
      WHERE id = ?`,
    [clock, stamp, clock, endpointId],
  );
}
