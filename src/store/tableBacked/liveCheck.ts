/**
 * The live check of table-backed kinds, at install and when the server starts: each configured table exists,
 * its primary key is exactly the `key` column, every mapped column exists with a type that can carry its
 * property's type, and no column sync could never fill (NOT NULL, no default, not mapped) is left out.
 * Every problem found is reported at once, each naming its table and column.
 */
import { ConfigError } from '../../config/load';
import type { DbOrTx } from '../db';
import type { ColumnMapping, TableMapping } from './mapping';

/** The configuration does not match the live tables (a bad configuration: exit code 2). */
export class TableCheckError extends ConfigError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'TableCheckError';
  }
}

interface LiveColumn {
  name: string;
  /** pg_type.typname of the column's type, a domain resolved to its base type. */
  type: string;
  /** That type's name qualified by its schema, quoted (e.g. `"pg_catalog"."int8"`): a cast target in any search_path. */
  qualifiedType: string;
  notNull: boolean;
  /** The column's default expression (e.g. `nextval('customers_id_seq'::regclass)`), or null. */
  defaultExpr: string | null;
  identity: boolean;
  generated: boolean;
}

export interface LiveTable {
  mapping: TableMapping;
  columns: Map<string, LiveColumn>;
  /** The key column: its default (or identity) is how rows that sync creates can get a key. */
  key: LiveColumn;
}

/** Key column types: their text is a stable local key (a timestamp's text would follow the session's DateStyle). */
const KEY_TYPES: readonly string[] = ['int2', 'int4', 'int8', 'numeric', 'text', 'varchar', 'bpchar', 'uuid', 'citext'];

/** PostgreSQL types (typname) that can carry each property type; a reference takes its target key's type. */
const ALLOWED_TYPES: Record<Exclude<ColumnMapping['type'], 'reference'>, readonly string[]> = {
  string: ['text', 'varchar', 'bpchar', 'name', 'uuid', 'citext'],
  integer: ['int2', 'int4', 'int8'],
  decimal: ['numeric', 'int2', 'int4', 'int8', 'float4', 'float8'],
  boolean: ['bool'],
  date: ['date'],
  datetime: ['timestamp', 'timestamptz'],
};

interface ColumnRow {
  name: string;
  type: string;
  qualified_type: string;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
  is_primary: boolean;
}

async function liveColumns(db: DbOrTx, schema: string, table: string): Promise<ColumnRow[] | undefined> {
  const { rows: found } = await db.raw<{ rows: { oid: number }[] }>(
    `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')`,
    [schema, table],
  );
  if (found.length === 0) return undefined;
  const { rows } = await db.raw<{ rows: ColumnRow[] }>(
    `SELECT a.attname AS name,
            COALESCE(bt.typname, t.typname) AS type,
            quote_ident(COALESCE(btn.nspname, tn.nspname)) || '.' || quote_ident(COALESCE(bt.typname, t.typname)) AS qualified_type,
            a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default_expr,
            a.attidentity AS identity,
            a.attgenerated AS generated,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)) AS is_primary
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_namespace tn ON tn.oid = t.typnamespace
       LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
       LEFT JOIN pg_namespace btn ON btn.oid = bt.typnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [found[0].oid],
  );
  return rows;
}

async function primaryKeyColumns(db: DbOrTx, schema: string, table: string): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { name: string }[] }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE n.nspname = ? AND c.relname = ? AND i.indisprimary`,
    [schema, table],
  );
  return rows.map((r) => r.name);
}

function toLive(r: ColumnRow): LiveColumn {
  return { name: r.name, type: r.type, qualifiedType: r.qualified_type, notNull: r.not_null, defaultExpr: r.default_expr, identity: r.identity !== '', generated: r.generated !== '' };
}

/**
 * Checks the tables of the given mappings (all in the database `db` reaches; references point within them)
 * and returns what it found, by kind. Throws TableCheckError listing every problem.
 */
export async function checkLiveTables(db: DbOrTx, mappings: TableMapping[]): Promise<Map<string, LiveTable>> {
  const problems: string[] = [];
  const live = new Map<string, LiveTable>();
  for (const m of mappings) {
    const name = `table ${m.schema}.${m.table}`;
    if (m.adapterSchema === m.schema) {
      problems.push(`${name}: adapterSchema "${m.adapterSchema}" is the table's own schema (kind ${m.kind}); sdata-sync needs a schema of its own`);
      continue;
    }
    const rows = await liveColumns(db, m.schema, m.table);
    if (!rows) {
      problems.push(`${name} does not exist (kind ${m.kind})`);
      continue;
    }
    const columns = new Map(rows.map((r) => [r.name, toLive(r)]));
    const pk = await primaryKeyColumns(db, m.schema, m.table);
    const key = columns.get(m.key);
    if (!key) problems.push(`${name} has no column "${m.key}" (the key of kind ${m.kind})`);
    else if (!KEY_TYPES.includes(key.type)) problems.push(`${name}: the key column "${m.key}" is of type ${key.type}, which cannot be the key of kind ${m.kind} (${KEY_TYPES.join(', ')})`);
    if (pk.length === 0) problems.push(`${name} has no primary key (kind ${m.kind} needs "${m.key}" as its primary key)`);
    else if (pk.length !== 1 || pk[0] !== m.key) problems.push(`${name}: the primary key is (${pk.map((c) => `"${c}"`).join(', ')}), not the key column "${m.key}" of kind ${m.kind}`);
    for (const c of m.columns) {
      const col = columns.get(c.column);
      if (!col) {
        problems.push(`${name} has no column "${c.column}" (property ${c.property} of kind ${m.kind})`);
        continue;
      }
      const allowed = c.type === 'reference' ? undefined : ALLOWED_TYPES[c.type];
      if (allowed && !allowed.includes(col.type)) {
        problems.push(`${name}: column "${c.column}" is of type ${col.type}, which cannot carry property ${c.property} of kind ${m.kind} (${c.type}: ${allowed.join(', ')})`);
      }
    }
    const mapped = new Set([m.key, ...m.columns.map((c) => c.column)]);
    for (const col of columns.values()) {
      if (col.notNull && col.defaultExpr === null && !col.identity && !col.generated && !mapped.has(col.name)) {
        problems.push(`${name}: column "${col.name}" is NOT NULL without a default and not mapped to a property of kind ${m.kind} (rows created by sync could not be written)`);
      }
    }
    if (key) live.set(m.kind, { mapping: m, columns, key });
  }
  // References: the column's type must be the referenced table's key type (checked once every table is read).
  for (const t of live.values()) {
    for (const c of t.mapping.columns) {
      if (c.type !== 'reference') continue;
      const target = live.get(c.referencedKind!);
      const col = t.columns.get(c.column);
      if (!target || !col) continue;
      if (col.type !== target.key.type) {
        problems.push(`table ${t.mapping.schema}.${t.mapping.table}: column "${c.column}" is of type ${col.type}, which cannot carry property ${c.property} of kind ${t.mapping.kind} (a reference to ${c.referencedKind}, whose key "${target.mapping.key}" is ${target.key.type})`);
      }
    }
  }
  if (problems.length) throw new TableCheckError(problems);
  return live;
}
