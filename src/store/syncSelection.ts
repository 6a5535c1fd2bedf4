/**
 * Reading a sync selection (PROTOCOL.md 2.1) page by page with a keyset cursor: ranges are walked in
 * endpoint order, ticks increasing within each endpoint, each range an index range scan on
 * (endpoint_id, state_endpoint, state_tick). Rows are read in their current state, so a resource changed
 * after the selection started (its tick now at or beyond the ceiling) is simply not in any range: the
 * superseded rule holds by construction and nothing beyond the ceiling is ever sent.
 */
import type { DbOrTx } from './db';
import type { TickRange } from '../protocol/selection';
import { VERSION_COLUMNS, type VersionRow } from './versions';

/** A position in the selection: the last (endpoint, tick) already read. */
export type SelectionKey = [string, number];

/** How many resources the selection holds now. */
export async function countSelection(db: DbOrTx, endpointId: number, ranges: TickRange[]): Promise<number> {
  if (ranges.length === 0) return 0;
  const q = db('resources')
    .where('endpoint_id', endpointId)
    .andWhere((w) => {
      for (const r of ranges) w.orWhere((x) => x.where('state_endpoint', r.endpoint).andWhere('state_tick', '>=', r.fromTick).andWhere('state_tick', '<', r.toTick));
    })
    .count<{ n: string | number }[]>({ n: '*' });
  const [{ n }] = await q;
  return Number(n);
}

/** Up to `limit` rows of the selection after `after` (null: from the start), in (endpoint, tick) order. */
export async function readSelection(db: DbOrTx, endpointId: number, ranges: TickRange[], after: SelectionKey | null, limit: number): Promise<VersionRow[]> {
  const out: VersionRow[] = [];
  const sorted = [...ranges].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
  for (const r of sorted) {
    if (out.length >= limit) break;
    if (after && r.endpoint < after[0]) continue;
    const from = after && r.endpoint === after[0] ? Math.max(r.fromTick, after[1] + 1) : r.fromTick;
    if (from >= r.toTick) continue;
    const rows = await db('resources')
      .select(VERSION_COLUMNS)
      .where({ endpoint_id: endpointId, state_endpoint: r.endpoint })
      .andWhere('state_tick', '>=', from)
      .andWhere('state_tick', '<', r.toTick)
      .orderBy('state_tick')
      .limit(limit - out.length);
    out.push(...rows);
  }
  return out;
}
