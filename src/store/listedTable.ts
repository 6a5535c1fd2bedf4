/**
 * What the tables of items an endpoint lists to a person have in common (`conflicts` behind `$conflicts`,
 * `failures` behind `$failures`): each row has an id, its endpoint's id, a status, the run that made it and
 * when. `listedTable` gives such a table its insert (in slices), its listing (status and `where` filters,
 * paged), its single-item read and its count of open items by endpoint; the table's own module keeps only
 * its particular columns and updates.
 */
import type { DbOrTx } from './db';
import { pagedList, type Paged } from './pagedList';
import { utcText, whereOnTable, type TableColumns } from './querySql';
import type { Condition } from '../query/typed';

/** The run (`runName`, `runStamp` of the engine's request) that made an item. */
export interface RunOfItem {
  runName?: string;
  runStamp?: string;
}

/** The fields every listed item has. */
export interface ListedItem<S extends string> extends RunOfItem {
  id: number;
  status: S;
  createdAt: string;
}

/** The columns of every listed table that `ListedItem` reads. */
export interface ListedRow<S extends string> {
  id: number;
  status: S;
  run_name: string | null;
  run_stamp: string | null;
  created_at: Date;
}

/** The fields of `ListedItem` read from a row. */
export const listedItemOf = <S extends string>(r: ListedRow<S>): ListedItem<S> => ({
  id: Number(r.id),
  status: r.status,
  runName: r.run_name ?? undefined,
  runStamp: r.run_stamp ?? undefined,
  createdAt: new Date(r.created_at).toISOString(),
});

/** The run columns of a new row. */
export const runColumns = (run: RunOfItem) => ({ run_name: run.runName ?? null, run_stamp: run.runStamp ?? null });

/** The columns every listing offers a `where`; a table adds its own. */
const LISTED_COLUMNS: TableColumns = {
  id: { type: 'number', sql: 'id' },
  uuid: { type: 'string', sql: 'CAST(uuid AS text)' },
  status: { type: 'string', sql: 'status' },
  runName: { type: 'string', sql: 'run_name' },
  runStamp: { type: 'string', sql: 'run_stamp' },
  createdAt: { type: 'datetime', sql: utcText('created_at') },
};

/** Rows inserted per statement (a statement has a bound on its parameters). */
const INSERT_SLICE = 500;

interface ListingOptions<S extends string> {
  status?: S;
  where?: Condition;
  offset: number;
  limit: number;
}

export interface ListedTable<T, S extends string> {
  /** What a `where` on the listing may name. */
  columns: TableColumns;
  insert(db: DbOrTx, rows: Record<string, unknown>[]): Promise<void>;
  /** An endpoint's items, oldest first, filtered and paged, with the total. */
  list(db: DbOrTx, endpointId: number, opts: ListingOptions<S>): Promise<Paged<T>>;
  find(db: DbOrTx, endpointId: number, id: number): Promise<T | undefined>;
  /** Items with status open by endpoint id, in one grouped query; endpoints with none are absent. */
  openCounts(db: DbOrTx): Promise<Map<number, number>>;
}

export function listedTable<Row extends ListedRow<S>, T extends ListedItem<S>, S extends string>(table: string, columns: TableColumns, fromRow: (r: Row) => T): ListedTable<T, S> {
  const all = { ...LISTED_COLUMNS, ...columns };
  return {
    columns: all,
    async insert(db, rows) {
      for (let i = 0; i < rows.length; i += INSERT_SLICE) await db(table).insert(rows.slice(i, i + INSERT_SLICE));
    },
    async list(db, endpointId, opts) {
      const query = whereOnTable(db(table).where({ endpoint_id: endpointId }), all, opts.where);
      if (opts.status) query.andWhere({ status: opts.status });
      return pagedList(query, { column: 'id' }, opts, fromRow);
    },
    async find(db, endpointId, id) {
      const r = await db(table).where({ endpoint_id: endpointId, id }).first();
      return r ? fromRow(r) : undefined;
    },
    async openCounts(db) {
      const rows: { endpoint_id: number; n: number | string }[] = await db(table).where({ status: 'open' }).groupBy('endpoint_id').select('endpoint_id', db.raw('count(*) AS n'));
      return new Map(rows.map((r) => [Number(r.endpoint_id), Number(r.n)]));
    },
  };
}
