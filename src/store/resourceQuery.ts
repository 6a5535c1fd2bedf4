/**
 * Resource feeds with `where`, `orderBy` and keyset paging (core 2.12, 6.3), over the JSONB payload.
 *
 * A property is read as `resources.payload->>'name'` (typed as querySql.ts says); `account.name` follows
 * the reference's UUID into the referenced kind's live resources with a scalar subquery. Property names
 * are written into the SQL text only after the checker found them in the kind's configuration (where they
 * are validated names); every value is a binding.
 *
 * Order: the sort keys (NULL after every value ascending, before every value descending, as PostgreSQL
 * does by default), then creation order (`seq`, unique), so every order is total. With a cursor the page
 * starts strictly after the cursor's position (keyset); without one at the offset.
 */
import type { DbOrTx } from './db';
import type { Cursor } from '../query/cursor';
import type { SortKey } from '../query/lists';
import type { Condition, ValueType } from '../query/typed';
import { conditionSql, bindingOf, frag, join, typedColumn, type Fragment, type QueryColumns } from './querySql';
import { resourceOf, RESOURCE_COLUMNS, type Resource, type ResourceRow } from './resources';

const PROPERTY_NAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;

function column(alias: string, name: string, type: ValueType): string {
  if (!PROPERTY_NAME.test(name)) throw new Error(`not a property name: ${name}`);
  if (name === '$key') return typedColumn(`${alias}.local_key`, type);
  if (name === '$uuid') return typedColumn(`CAST(${alias}.uuid AS text)`, type);
  if (type === 'reference') return `(${alias}.payload->'${name}'->>'uuid')`;
  return typedColumn(`(${alias}.payload->>'${name}')`, type);
}

/** The columns of resources: payload properties, references followed into the endpoint of their kind. */
export function resourceColumns(endpointOfKind: (kind: string) => number | number[]): QueryColumns {
  return {
    field(path, type) {
      const alias = (depth: number) => (depth === 0 ? 'resources' : `ref${depth}`);
      let expr: Fragment = frag(column(alias(path.refs.length), path.name, type));
      for (let depth = path.refs.length - 1; depth >= 0; depth--) {
        const inner = alias(depth + 1);
        const ref = path.refs[depth];
        if (!PROPERTY_NAME.test(ref.property)) throw new Error(`not a property name: ${ref.property}`);
        expr = join(
          [
            { sql: `(SELECT ${expr.sql} FROM resources AS ${inner} WHERE ${inner}.endpoint_id = ANY(CAST(? AS integer[]))`, bindings: [...expr.bindings, [endpointOfKind(ref.kind)].flat()] },
            `NOT ${inner}.deleted AND ${inner}.uuid = CAST(${alias(depth)}.payload->'${ref.property}'->>'uuid' AS uuid))`,
          ].map((p) => (typeof p === 'string' ? frag(p) : p)),
          ' AND ',
        );
      }
      return expr;
    },
  };
}

export interface ResourceQuery {
  where?: Condition;
  orderBy: SortKey[];
  /** Start after this position (keyset); otherwise at `offset`. */
  after?: Cursor;
}

export interface ResourceQueryPage {
  total: number;
  resources: Resource[];
  /** The position of the page's last resource (for the next page's cursor); undefined for an empty page. */
  last?: Cursor;
  /** Whether resources follow the page in the query's order. */
  more: boolean;
}

const sortColumn = (k: SortKey) => column('resources', k.name, k.type);

/** Rows strictly after the cursor in the order of `keys`, then `seq` (NULL sorts as the largest value). */
function afterCursor(keys: SortKey[], cursor: Cursor): Fragment {
  const equal = (k: SortKey, v: string | null) => (v === null ? frag(`${sortColumn(k)} IS NULL`) : join([frag(sortColumn(k)), bindingOf(k.type, v)], ' = '));
  const beyond = (k: SortKey, v: string | null): Fragment => {
    if (k.descending) return v === null ? frag(`${sortColumn(k)} IS NOT NULL`) : join([frag(sortColumn(k)), bindingOf(k.type, v)], ' < ');
    return v === null ? frag('FALSE') : join([frag('('), join([frag(sortColumn(k)), bindingOf(k.type, v)], ' > '), frag(` OR ${sortColumn(k)} IS NULL)`)], '');
  };
  const branches: Fragment[] = [];
  for (let i = 0; i <= keys.length; i++) {
    const prefix = keys.slice(0, i).map((k, j) => equal(k, cursor.values[j]));
    const last = i < keys.length ? beyond(keys[i], cursor.values[i]) : frag('resources.seq > CAST(? AS bigint)', cursor.seq);
    branches.push(join([frag('('), join([...prefix, last], ' AND '), frag(')')], ''));
  }
  return join([frag('('), join(branches, ' OR '), frag(')')], '');
}

/** One page of the live resources (of one endpoint, or of a partitioned kind's) matching `where`, in the query's order, and the total that match. */
export async function queryResources(db: DbOrTx, endpointId: number | number[], columns: QueryColumns, q: ResourceQuery, page: { offset: number; limit: number }): Promise<ResourceQueryPage> {
  // A partitioned kind's resources are those of all its partitions (PROTOCOL.md 2.9): one query over them.
  const base = db('resources').whereIn('resources.endpoint_id', typeof endpointId === 'number' ? [endpointId] : endpointId).where('resources.deleted', false);
  if (q.where) {
    const w = conditionSql(q.where, columns);
    base.whereRaw(w.sql, w.bindings as never[]);
  }
  const [{ n }] = await base.clone().count<{ n: string | number }[]>({ n: '*' });
  const total = Number(n);
  if (page.limit <= 0) return { total, resources: [], more: total > page.offset };
  const rows = base.clone().select(RESOURCE_COLUMNS.map((c) => `resources.${c}`));
  q.orderBy.forEach((k, i) => rows.select(db.raw(`CAST(${sortColumn(k)} AS text) AS sort_${i}`)));
  rows.select(db.raw('CAST(resources.seq AS text) AS sort_seq'));
  if (q.after) {
    const a = afterCursor(q.orderBy, q.after);
    rows.whereRaw(a.sql, a.bindings as never[]);
  } else rows.offset(page.offset);
  const order = [...q.orderBy.map((k) => `${sortColumn(k)} ${k.descending ? 'DESC NULLS FIRST' : 'ASC NULLS LAST'}`), 'resources.seq ASC'];
  const found = (await rows.orderByRaw(order.join(', ')).limit(page.limit + 1)) as (ResourceRow & Record<string, string | null>)[];
  const more = found.length > page.limit;
  if (more) found.pop();
  const lastRow = found[found.length - 1];
  const last = lastRow && { values: q.orderBy.map((_, i) => lastRow[`sort_${i}`]), seq: lastRow.sort_seq! };
  return { total, resources: found.map(resourceOf), last, more };
}
