/**
 * A typed `where` condition (query/typed.ts) as parameterised SQL: every literal is a binding, and the only
 * names written into the SQL text are column expressions that a QueryColumns gives for properties the
 * checker found in the kind's configuration. Conditions come out two-valued (never NULL), as typed.ts
 * defines: each comparison is guarded by `IS NOT NULL` on its operands, so NOT and OR above it see false
 * where SQL would see unknown.
 *
 * Strings, dates and timestamps are compared as text in the "C" collation (code point order; the stored
 * dates and timestamps are canonical fixed-width ISO texts, so text order is time order); numbers as
 * `numeric` (exact); booleans as `boolean`.
 */
import type { Knex } from 'knex';
import type { ComparisonOp } from '../query/ast';
import type { Condition, FieldPath, QuerySchema, ScalarFieldType, Value, ValueType } from '../query/typed';

/** A piece of SQL with its `?` bindings, in order. */
export interface Fragment {
  sql: string;
  bindings: unknown[];
}

/** Where a query's fields are: the SQL expression of each (typed as a ValueType says). */
export interface QueryColumns {
  field(path: FieldPath, type: ValueType): Fragment;
}

const OPS: Record<ComparisonOp, string> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

export const frag = (sql: string, ...bindings: unknown[]): Fragment => ({ sql, bindings });

/** Joins fragments with a separator (SQL text and bindings in the same order). */
export function join(parts: Fragment[], separator: string): Fragment {
  return { sql: parts.map((p) => p.sql).join(separator), bindings: parts.flatMap((p) => p.bindings) };
}

const wrap = (before: string, f: Fragment, after: string): Fragment => ({ sql: `${before}${f.sql}${after}`, bindings: f.bindings });

/** A binding cast to the SQL type that values of this type are compared as. */
export function bindingOf(type: ValueType, value: unknown): Fragment {
  if (type === 'number') return frag('CAST(? AS numeric)', value);
  if (type === 'boolean') return frag('CAST(? AS boolean)', value);
  return frag('(CAST(? AS text) COLLATE "C")', value);
}

/** The SQL expression of a field as it is compared: text in "C", numeric, boolean or a UUID text. */
export function typedColumn(raw: string, type: ValueType): string {
  if (type === 'number') return `CAST(${raw} AS numeric)`;
  if (type === 'boolean') return `CAST(${raw} AS boolean)`;
  if (type === 'reference') return raw;
  return `(${raw} COLLATE "C")`;
}

function valueSql(v: Value, columns: QueryColumns): Fragment {
  switch (v.k) {
    case 'const':
      return bindingOf(v.type, v.value);
    case 'field':
      return columns.field(v.field, v.type);
    case 'neg':
      return wrap('(- ', valueSql(v.arg, columns), ')');
    case 'arith': {
      const l = valueSql(v.left, columns);
      const r = valueSql(v.right, columns);
      if (v.op === 'div') return join([wrap('(', l, ' / '), wrap('NULLIF(', r, ', 0))')], '');
      if (v.op === 'mod') return join([wrap('MOD(', l, ', '), wrap('NULLIF(', r, ', 0))')], '');
      return join([wrap('(', l, ''), wrap('', r, ')')], v.op === 'add' ? ' + ' : v.op === 'sub' ? ' - ' : ' * ');
    }
    case 'condition':
      return conditionSql(v.condition, columns);
  }
}

/** `(a IS NOT NULL AND b IS NOT NULL AND test)`, leaving out the guards of literals (never null). */
function guarded(operands: { v: Value; sql: Fragment }[], test: Fragment): Fragment {
  const guards = operands.filter((o) => o.v.k !== 'const').map((o) => wrap('', o.sql, ' IS NOT NULL'));
  return wrap('(', join([...guards, test], ' AND '), ')');
}

export function conditionSql(c: Condition, columns: QueryColumns): Fragment {
  const sql = (v: Value) => ({ v, sql: valueSql(v, columns) });
  switch (c.k) {
    case 'constant':
      return frag(c.value ? 'TRUE' : 'FALSE');
    case 'compare': {
      const l = sql(c.left);
      const r = sql(c.right);
      return guarded([l, r], join([l.sql, r.sql], ` ${OPS[c.op]} `));
    }
    case 'like': {
      const a = sql(c.arg);
      const p = sql(c.pattern);
      return guarded([a, p], join([a.sql, wrap('', p.sql, " ESCAPE ''")], ' LIKE '));
    }
    case 'between': {
      const a = sql(c.arg);
      const lo = sql(c.low);
      const hi = sql(c.high);
      return guarded([a, lo, hi], join([join([a.sql, lo.sql], ' >= '), join([a.sql, hi.sql], ' <= ')], ' AND '));
    }
    case 'in': {
      const a = sql(c.arg);
      return guarded([a], join([a.sql, wrap('(', join(c.items.map((i) => valueSql(i, columns)), ', '), ')')], ' IN '));
    }
    case 'isNull':
      return wrap('(', valueSql(c.arg, columns), c.negated ? ' IS NOT NULL)' : ' IS NULL)');
    case 'isTrue':
      return wrap('(', valueSql(c.arg, columns), ' IS TRUE)');
    case 'not':
      return wrap('(NOT ', conditionSql(c.arg, columns), ')');
    case 'and':
    case 'or':
      return wrap('(', join([conditionSql(c.left, columns), conditionSql(c.right, columns)], c.k === 'and' ? ' AND ' : ' OR '), ')');
  }
}

/** The columns of a listing table a `where` may name: query name -> type and SQL column expression. */
export type TableColumns = Readonly<Record<string, { type: ScalarFieldType; sql: string }>>;

/** A timestamptz column as the canonical UTC text that datetime values compare as. */
export const utcText = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** What a `where` over a listing table may name (its columns, no references). */
export function tableSchema(kind: string, columns: TableColumns): QuerySchema {
  return { kind, fields: Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, { type: c.type }])) };
}

/** Adds a typed `where` over a listing table's columns to a query. */
export function whereOnTable(query: Knex.QueryBuilder, columns: TableColumns, where: Condition | undefined): Knex.QueryBuilder {
  if (!where) return query;
  const w = conditionSql(where, tableColumns(columns));
  return query.whereRaw(w.sql, w.bindings as never[]);
}

/** Columns of one table, by query name: `{ status: { type: 'string', sql: 'status' } }`. */
function tableColumns(columns: TableColumns): QueryColumns {
  return {
    field(path, type) {
      const c = columns[path.name];
      if (!c || path.refs.length > 0 || c.type !== type) throw new Error(`no column ${path.name} of type ${type}`);
      return frag(typedColumn(c.sql, type));
    },
  };
}
