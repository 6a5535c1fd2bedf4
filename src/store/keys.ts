/**
 * Local keys: each application names its resources in its own style (`numeric`: "1", "2", ...;
 * `prefixed`: "A00001", ...). Numbers come from `endpoints.next_key`; a key that is already taken (a POST
 * may give its own `sdata:key`) is skipped. The UPDATE of next_key locks the endpoint row to commit, so
 * concurrent allocations never hand out the same key.
 */
import type { Tx } from './db';
import type { KeyStyle } from '../config/schema';

/** The key for number `n` in the application's style. */
export function formatKey(style: KeyStyle, n: number): string {
  return style.style === 'numeric' ? String(n) : `${style.prefix}${String(n).padStart(style.width, '0')}`;
}

/** Reserves `n` numbers of next_key and returns the first. */
async function reserveNumbers(trx: Tx, endpointId: number, n: number): Promise<number> {
  const { rows } = await trx.raw<{ rows: { first: number | string }[] }>('UPDATE endpoints SET next_key = next_key + ? WHERE id = ? RETURNING next_key - ? AS first', [n, endpointId, n]);
  if (rows.length === 0) throw new Error(`allocateKeys: no endpoint ${endpointId}`);
  return Number(rows[0].first);
}

/**
 * Gives out `n` keys not yet used by any resource (live or tombstone) of the endpoint, or of `holders`: a
 * partitioned kind allocates from its kind's row the keys of all its partitions (PROTOCOL.md 2.9).
 */
export async function allocateKeys(trx: Tx, endpointId: number, style: KeyStyle, n: number, holders: number[] = [endpointId]): Promise<string[]> {
  const keys: string[] = [];
  while (keys.length < n) {
    const want = n - keys.length;
    const first = await reserveNumbers(trx, endpointId, want);
    const candidates = Array.from({ length: want }, (_, i) => formatKey(style, first + i));
    const taken = new Set(
      (await trx('resources').select('local_key').whereIn('endpoint_id', holders).whereIn('local_key', candidates)).map((r: { local_key: string }) => r.local_key),
    );
    keys.push(...candidates.filter((k) => !taken.has(k)));
  }
  return keys;
}
