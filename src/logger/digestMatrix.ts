/**
 * The digest matrix of the endpoints the logger observes: a row per endpoint whose digest was read, a column
 * per endpoint any of them knows, each cell the tick the row endpoint holds for the column endpoint. A cell
 * is behind when the column endpoint has itself given out more than that (the lag of protocol/lag.ts, from
 * the column's own digest); unknown when the column endpoint's own digest was not read. Endpoints are named
 * as digests name them: a digest's origin (the endpoint's own URL), else the URL it was read from. Pure.
 */
import { entryOf } from '../protocol/digest';
import { lagInTicks } from '../protocol/lag';
import type { Digest } from '../protocol/types';

interface MatrixCell {
  tick: number;
  /** Ticks the column endpoint has given out that the row endpoint has not got; undefined when unknown. */
  behindBy?: number;
}

export interface DigestMatrix {
  columns: string[];
  rows: { endpoint: string; cells: (MatrixCell | null)[] }[];
}

export function digestMatrix(read: ReadonlyMap<string, Digest>): DigestMatrix {
  const digests = new Map([...read].map(([url, d]) => [d.origin ?? url, d] as const));
  const rowsUrls = [...digests.keys()].sort();
  const columns = [...new Set([...rowsUrls, ...[...digests.values()].flatMap((d) => d.entries.map((e) => e.endpoint))])].sort();
  const rows = rowsUrls.map((endpoint) => {
    const digest = digests.get(endpoint)!;
    const cells = columns.map((col): MatrixCell | null => {
      const entry = entryOf(digest, col);
      if (!entry) return null;
      const own = digests.get(col);
      return own && col !== endpoint ? { tick: entry.tick, behindBy: lagInTicks(col, own, digest) } : { tick: entry.tick, ...(col === endpoint ? { behindBy: 0 } : {}) };
    });
    return { endpoint, cells };
  });
  return { columns, rows };
}
