/**
 * The keyset cursor of a sorted resource feed: the sort values and creation number of the last resource of
 * a page, carried by the `next` link as `after=...` (base64url JSON). The next page starts strictly after
 * that position, so resources inserted or moved in between cannot make a page repeat one already read.
 * A cursor is checked against the sort keys it is used with (400 when it does not fit).
 */
import { SDataError } from '../protocol/diagnosis';
import type { SortKey } from './lists';

export interface Cursor {
  /** The sort values as text (null for a null or missing value), one per sort key. */
  values: (string | null)[];
  /** The resource's creation number, the tie-breaker. */
  seq: string;
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const bad = (): SDataError => new SDataError(400, { sdataCode: 'BadQueryParameter', message: "after is not a cursor of this feed's order (follow the feed's next link)" });

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([...c.values, c.seq])).toString('base64url');
}

function fits(v: unknown, key: SortKey): boolean {
  if (v === null) return true;
  if (typeof v !== 'string' || v.length > 10_000) return false;
  if (key.type === 'number') return NUMBER.test(v);
  if (key.type === 'boolean') return v === 'true' || v === 'false';
  return true;
}

export function decodeCursor(text: string, keys: SortKey[]): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== keys.length + 1) throw bad();
  const seq = parsed[keys.length];
  if (typeof seq !== 'string' || !/^\d{1,19}$/.test(seq)) throw bad();
  const values = parsed.slice(0, keys.length);
  if (!values.every((v, i) => fits(v, keys[i]))) throw bad();
  return { values: values as (string | null)[], seq };
}
