/**
 * Table-backed test fixtures: an application's own tables (accounts, customers with a foreign key) in a
 * schema of their own, and the configuration mapping them, with the store either in the server's database
 * (no connection; PGlite and PostgreSQL) or in the application's database (a connection; PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../../../src/config/load';
import type { Config } from '../../../src/config/schema';
import type { Db } from '../../../src/store/db';
import { openTableStores, type TableStore, type TableStores } from '../../../src/store/tableBacked/stores';
import { foldCapturedChanges } from '../../../src/store/tableBacked/fold';

const BASE = 'http://sdata.test';
export const ERP = `${BASE}/sdata/erp/test/-`;

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** The application's tables, as an application would create them (not ours: install must not alter them). */
export async function createAppTables(db: Db, schema: string): Promise<void> {
  await db.raw(`CREATE SCHEMA "${schema}"`);
  await db.raw(`CREATE TABLE "${schema}".accounts (
    id serial PRIMARY KEY,
    name text NOT NULL,
    balance numeric(12,2),
    active boolean NOT NULL DEFAULT true,
    note text)`);
  await db.raw(`CREATE TABLE "${schema}".customers (
    id bigserial PRIMARY KEY,
    full_name varchar(200) NOT NULL,
    email text UNIQUE,
    account_id integer REFERENCES "${schema}".accounts (id),
    born date,
    seen timestamptz,
    visits int4 CHECK (visits >= 0),
    created_at timestamp NOT NULL DEFAULT now())`);
  await db.raw(`CREATE INDEX customers_account ON "${schema}".customers (account_id)`);
}

export interface TableOptions {
  schema: string;
  adapterSchema: string;
  /** The application's database; absent: the server's own. */
  connection?: string;
  /** Changes to the customers kind's properties (e.g. a misspelt column). */
  customers?: Record<string, unknown>;
}

export function tableConfig(o: TableOptions): Config {
  const table = (name: string) => ({ connection: o.connection, schema: o.schema, name, key: 'id', adapterSchema: o.adapterSchema });
  return parseConfig(
    {
      server: { port: 0, publicBaseUrl: BASE },
      log: { level: 'silent' },
      applications: [
        {
          name: 'erp',
          contract: 'test',
          namespace: 'urn:erp',
          kinds: [
            { name: 'accounts', element: 'account', table: table('accounts'), properties: { name: { type: 'string', required: true }, balance: { type: 'decimal' }, active: { type: 'boolean' } } },
            {
              name: 'customers',
              element: 'customer',
              syncOrder: 1,
              table: table('customers'),
              properties: {
                name: { type: 'string', column: 'full_name' },
                email: { type: 'string' },
                account: { type: 'reference', kind: 'accounts', column: 'account_id' },
                born: { type: 'date' },
                seen: { type: 'datetime' },
                visits: { type: 'integer' },
                ...o.customers,
              },
            },
          ],
        },
      ],
    },
    {},
  );
}

/** The one store of a configuration's table-backed kinds. */
export async function onlyStore(cfg: Config, serverDb?: Db): Promise<{ stores: TableStores; store: TableStore }> {
  const stores = await openTableStores(cfg, serverDb);
  expect(stores.stores).toHaveLength(1);
  return { stores, store: stores.stores[0] };
}

export interface ResourceRow {
  local_key: string;
  uuid: string;
  payload: Record<string, unknown>;
  deleted: boolean;
  etag: string;
  state_endpoint: string;
  state_tick: number;
  state_user: string | null;
}

/** The sync states of an endpoint of a store, by local key, as a reader sees them (the change log folded first). */
export async function resourcesOf(store: TableStore, kind: string): Promise<Map<string, ResourceRow>> {
  await foldCapturedChanges(store.db, store.endpoints[0]);
  const rows: ResourceRow[] = await store.db
    .withSchema(store.schema)
    .from('resources as r')
    .join('endpoints as e', 'e.id', 'r.endpoint_id')
    .where('e.url', `${ERP}/${kind}`)
    .select('r.local_key', 'r.uuid', 'r.payload', 'r.deleted', 'r.etag', 'r.state_endpoint', 'r.state_tick', 'r.state_user');
  return new Map(rows.map((r) => [r.local_key, { ...r, state_tick: Number(r.state_tick) }]));
}

export async function clockOf(store: TableStore, kind: string): Promise<number> {
  const row = await store.db.withSchema(store.schema).from('endpoints').where('url', `${ERP}/${kind}`).first('clock');
  return Number(row.clock);
}

/**
 * What an application sees of its schema in the catalog: tables, columns with types and defaults,
 * constraints, indexes, triggers, functions and sequences. Install must leave all but the triggers as they
 * were, and remove must leave everything as it was.
 */
export async function catalogDump(db: Db, schema: string): Promise<Record<string, string[]>> {
  const q = async (sql: string) => ((await db.raw(sql, [schema])).rows as { d: string }[]).map((r) => r.d).sort();
  return {
    tables: await q(`SELECT c.relname || ':' || c.relkind::text AS d FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ?`),
    columns: await q(`SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' ' || a.attidentity::text || a.attgenerated::text AS d
                        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                       WHERE n.nspname = ? AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v')`),
    constraints: await q(`SELECT c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS d FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = ?`),
    indexes: await q(`SELECT indexdef AS d FROM pg_indexes WHERE schemaname = ?`),
    triggers: await q(`SELECT pg_get_triggerdef(t.oid) AS d FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND NOT t.tgisinternal`),
    functions: await q(`SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS d FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?`),
    sequences: await q(`SELECT c.relname || ' ' || s.seqtypid::regtype::text || ' ' || s.seqincrement || ' ' || coalesce(d.refobjid::regclass::text, '-') AS d
                          FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                          LEFT JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'a' AND d.classid = 'pg_class'::regclass WHERE n.nspname = ?`),
  };
}

/**
 * Schema names of the database, but for the per-test schemas (a random hexadecimal suffix) that other test
 * files and benchmarks sharing the server create and drop meanwhile; `keep` names those that count here.
 */
export async function schemaNames(db: Db, keep: string[]): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { nspname: string }[] }>(`SELECT nspname FROM pg_namespace ORDER BY nspname`);
  return rows.map((r) => r.nspname).filter((n) => keep.includes(n) || !/_[0-9a-f]{10,}$/.test(n));
}
