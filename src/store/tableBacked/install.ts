/**
 * `adapter install` and `adapter remove` for one store (see stores.ts), each in ONE transaction: a failure
 * leaves nothing behind. The application's tables are never altered: install only adds triggers on them.
 *
 * install  check the live tables; create the adapter schema; run our migrations in it (a store of its own);
 *          register the endpoints; lock the tables against writes (until commit); (re)create the store's
 *          fold function and fold what an earlier capture logged; log every row without a sync state as a
 *          change (one tick each), fold, log every row whose stored payload no longer matches its mapped
 *          values (a changed mapping) as a new change, fold; replace the capture functions and triggers
 *          whose fingerprint changed; record the fingerprints. A second install changes nothing and takes no
 *          tick.
 * remove   drop the triggers, the adapter schema (functions, record and, for a store of its own, the store)
 *          and, in the server's own store, the endpoints' rows.
 * verify   at server start: the recorded fingerprints match the configuration, or start is refused.
 */
import { ConfigError } from '../../config/load';
import type { Db, DbOrTx, Tx } from '../db';
import { registerEndpoints } from '../endpoints';
import { runMigrations } from '../migrate';
import { backfillSql, CAPTURE_EVENTS, captureFunctionName, captureInstallSql, captureRemoveSql, captureTriggerName, reconcileSql } from './captureSql';
import { FOLD_FUNCTION, foldFunctionBody, foldFunctionSql, type CaptureTarget } from './foldSql';
import { foldCapturedChanges } from './fold';
import { checkLiveTables, type LiveTable } from './liveCheck';
import type { TableMapping } from './mapping';
import { ident, qualified } from './sqlText';
import { createHash } from 'node:crypto';
import type { TableStore } from './stores';

/** Name of the table, in the adapter schema, recording what install put on each application table. */
const INSTALLED_TABLE = 'installed_tables';

/** The capture installed does not match the configuration (or is missing): start is refused. */
export class AdapterNotInstalled extends ConfigError {
  constructor(problems: string[]) {
    super(`${problems.join('\n')}\nrun: sdata-sync adapter install --config <this configuration file>`);
    this.name = 'AdapterNotInstalled';
  }
}

/** What the adapter schema holds: missing, ours (it has the install record) or someone else's. */
async function adapterSchemaState(db: Tx, schema: string): Promise<'missing' | 'ours' | 'empty' | 'foreign'> {
  const { rows } = await db.raw<{ rows: { exists: boolean; ours: boolean; objects: number }[] }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?) AS exists,
            EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?) AS ours,
            (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ?)
          + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?) AS objects`,
    [schema, schema, INSTALLED_TABLE, schema, schema],
  );
  const r = rows[0];
  if (!r.exists) return 'missing';
  if (r.ours) return 'ours';
  return Number(r.objects) === 0 ? 'empty' : 'foreign';
}

function refuseForeignSchema(store: TableStore, state: string): void {
  if (state === 'foreign' || (store.shared && store.adapterSchema === store.schema)) {
    throw new ConfigError(`schema ${store.adapterSchema} holds objects that are not sdata-sync's adapter: choose another adapterSchema (it is created, and dropped by adapter remove)`);
  }
}

interface InstalledRow {
  table_schema: string;
  table_name: string;
  endpoint_url: string;
  fingerprint: string;
}

async function installedRows(db: DbOrTx, adapterSchema: string): Promise<InstalledRow[]> {
  const { rows } = await db.raw<{ rows: { present: boolean }[] }>(`SELECT to_regclass(?) IS NOT NULL AS present`, [`${ident(adapterSchema)}.${ident(INSTALLED_TABLE)}`]);
  if (!rows[0].present) return [];
  return db.withSchema(adapterSchema).from(INSTALLED_TABLE).select('table_schema', 'table_name', 'endpoint_url', 'fingerprint');
}

/** The capture targets of a store's kinds: endpoint ids read from its endpoints table, by URL. */
async function captureTargets(db: DbOrTx, store: TableStore, live: Map<string, LiveTable>): Promise<CaptureTarget[]> {
  const urls = store.endpoints.map((e) => e.def.url);
  const rows: { id: number; url: string }[] = await db.withSchema(store.schema).from('endpoints').select('id', 'url').whereIn('url', urls);
  const ids = new Map(rows.map((r) => [r.url, r.id]));
  return store.endpoints.map(({ def, mapping }) => {
    const endpointId = ids.get(def.url);
    if (endpointId === undefined) throw new AdapterNotInstalled([`table ${mapping.schema}.${mapping.table}: endpoint ${def.url} is not registered in the store`]);
    const referencedEndpointIds: Record<string, number> = {};
    for (const c of mapping.columns) {
      if (c.type !== 'reference') continue;
      const target = store.endpoints.find((e) => e.def.app === def.app && e.def.kind.name === c.referencedKind);
      const id = target && ids.get(target.def.url);
      if (id !== undefined) referencedEndpointIds[c.referencedKind!] = id;
    }
    const table = live.get(def.url)!;
    const columnTypes = Object.fromEntries([...table.columns.values()].map((c) => [c.name, c.type]));
    return { mapping, storeSchema: store.schema, endpointId, endpointUrl: def.url, referencedEndpointIds, columnTypes, keyType: table.key.qualifiedType };
  });
}

/** The live check of a store's tables, by endpoint URL (kind names repeat across applications). */
async function checkStore(db: DbOrTx, store: TableStore): Promise<Map<string, LiveTable>> {
  const out = new Map<string, LiveTable>();
  // References stay within one application: each application's tables are checked together.
  for (const app of new Set(store.endpoints.map((e) => e.def.app))) {
    const endpoints = store.endpoints.filter((e) => e.def.app === app);
    const live = await checkLiveTables(db, endpoints.map((e) => e.mapping));
    for (const e of endpoints) out.set(e.def.url, live.get(e.mapping.kind)!);
  }
  return out;
}

async function triggersPresent(trx: DbOrTx, m: TableMapping): Promise<boolean> {
  const { rows } = await trx.raw<{ rows: { n: number }[] }>(
    `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = ?::regclass AND tgname = ANY (?)`,
    [qualified(m.schema, m.table), CAPTURE_EVENTS.map((e) => captureTriggerName(m, e))],
  );
  return rows[0].n === CAPTURE_EVENTS.length;
}

export interface InstalledTable {
  table: string;
  endpointUrl: string;
  /** Rows that got their first sync state (one tick each). */
  captured: number;
  /** Rows whose sync state took a new tick because the mapped values differ from the stored ones. */
  recaptured: number;
  /** True when the capture functions and triggers were (re)created. */
  replaced: boolean;
}

/** Identifies what was installed for a table: a changed mapping, store or endpoint gives another fingerprint. */
function captureFingerprint(t: CaptureTarget): string {
  return createHash('sha256').update(captureInstallSql(t).join(';\n')).digest('hex');
}

/** The source of the store's fold function as installed; undefined when there is none. */
async function installedFoldBody(db: DbOrTx, adapterSchema: string): Promise<string | undefined> {
  const { rows } = await db.raw<{ rows: { src: string }[] }>(
    `SELECT p.prosrc AS src FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ? AND p.proname = ?`,
    [adapterSchema, FOLD_FUNCTION],
  );
  return rows[0]?.src;
}

/** Ticks the statement `sql` gave the endpoint (its clock before and after). */
async function ticksTaken(trx: Tx, store: TableStore, endpointId: number, sql: string): Promise<number> {
  const before = await clockOf(trx, store, endpointId);
  await trx.raw(sql);
  return (await clockOf(trx, store, endpointId)) - before;
}

async function clockOf(trx: Tx, store: TableStore, endpointId: number): Promise<number> {
  const row = await trx.withSchema(store.schema).from('endpoints').select('clock').where('id', endpointId).first<{ clock: number | string }>();
  return Number(row.clock);
}

/** Installs the capture of every table of one store, in one transaction. */
export async function installStore(store: TableStore): Promise<InstalledTable[]> {
  return store.db.transaction(async (trx) => {
    const schemaState = await adapterSchemaState(trx, store.adapterSchema);
    refuseForeignSchema(store, schemaState);
    const live = await checkStore(trx, store);
    await trx.raw(`CREATE SCHEMA IF NOT EXISTS ${ident(store.adapterSchema)}`);
    if (!store.shared) await runMigrations(trx as unknown as Db);
    await trx.raw(`CREATE TABLE IF NOT EXISTS ${qualified(store.adapterSchema, INSTALLED_TABLE)} (
      table_schema text NOT NULL, table_name text NOT NULL, endpoint_url text NOT NULL, fingerprint text NOT NULL,
      installed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (table_schema, table_name))`);
    // Unqualified names of the store's connection resolve in the store's schema.
    await registerEndpoints(trx as unknown as Db, store.endpoints.map((e) => e.def));
    const targets = await captureTargets(trx, store, live);
    // The lock CREATE TRIGGER takes, taken before the rows are read: the application's writes wait until
    // the capture is in place, so no row is written between the read and the triggers, uncaptured.
    await trx.raw(`LOCK TABLE ${targets.map((t) => qualified(t.mapping.schema, t.mapping.table)).join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
    const recorded = new Map((await installedRows(trx, store.adapterSchema)).map((r) => [`${r.table_schema}.${r.table_name}`, r]));

    // Changes logged under an earlier install are folded with today's mapping; then every row without a sync
    // state is logged and folded, every kind's rows together, so references between them resolve; then
    // what differs from the stored versions (a changed mapping, rows changed while capture was off).
    await trx.raw(foldFunctionSql(store.adapterSchema, store.schema, targets));
    const fold = () => foldCapturedChanges(trx, targets[0]);
    await fold();
    const captured = new Map<CaptureTarget, number>();
    for (const t of targets) captured.set(t, await ticksTaken(trx, store, t.endpointId, backfillSql(t)));
    await fold();
    const recaptured = new Map<CaptureTarget, number>();
    for (const t of targets) recaptured.set(t, await ticksTaken(trx, store, t.endpointId, reconcileSql(t)));
    await fold();

    const out: InstalledTable[] = [];
    for (const t of targets) {
      const m = t.mapping;
      const fingerprint = captureFingerprint(t);
      const same = recorded.get(`${m.schema}.${m.table}`)?.fingerprint === fingerprint && (await triggersPresent(trx, m));
      if (!same) {
        for (const sql of captureInstallSql(t)) await trx.raw(sql);
        await trx.withSchema(store.adapterSchema).into(INSTALLED_TABLE)
          .insert({ table_schema: m.schema, table_name: m.table, endpoint_url: t.endpointUrl, fingerprint })
          .onConflict(['table_schema', 'table_name']).merge(['endpoint_url', 'fingerprint', 'installed_at']);
      }
      recorded.delete(`${m.schema}.${m.table}`);
      out.push({ table: `${m.schema}.${m.table}`, endpointUrl: t.endpointUrl, captured: captured.get(t)!, recaptured: recaptured.get(t)!, replaced: !same });
    }
    // Tables installed before but no longer configured in this adapter schema lose their capture.
    for (const r of recorded.values()) {
      await dropCapture(trx, { schema: r.table_schema, table: r.table_name, adapterSchema: store.adapterSchema });
      await trx.withSchema(store.adapterSchema).from(INSTALLED_TABLE).where({ table_schema: r.table_schema, table_name: r.table_name }).delete();
    }
    return out;
  });
}

async function dropCapture(trx: Tx, m: Pick<TableMapping, 'schema' | 'table' | 'adapterSchema'>): Promise<void> {
  const { rows } = await trx.raw<{ rows: { present: boolean }[] }>(`SELECT to_regclass(?) IS NOT NULL AS present`, [qualified(m.schema, m.table)]);
  if (rows[0].present) for (const sql of captureRemoveSql(m as TableMapping)) await trx.raw(sql);
  for (const e of CAPTURE_EVENTS) await trx.raw(`DROP FUNCTION IF EXISTS ${qualified(m.adapterSchema, captureFunctionName(m as TableMapping, e))}()`);
}

/** Removes everything install put in one store's database, in one transaction; nothing there: nothing done. */
export async function removeStore(store: TableStore): Promise<{ tables: string[] }> {
  return store.db.transaction(async (trx) => {
    const schemaState = await adapterSchemaState(trx, store.adapterSchema);
    if (schemaState === 'missing') return { tables: [] };
    refuseForeignSchema(store, schemaState);
    const recorded = await installedRows(trx, store.adapterSchema);
    const tables = new Map<string, Pick<TableMapping, 'schema' | 'table' | 'adapterSchema'>>();
    for (const r of recorded) tables.set(`${r.table_schema}.${r.table_name}`, { schema: r.table_schema, table: r.table_name, adapterSchema: store.adapterSchema });
    for (const e of store.endpoints) tables.set(`${e.mapping.schema}.${e.mapping.table}`, e.mapping);
    for (const m of tables.values()) await dropCapture(trx, m);
    if (store.shared) {
      const urls = [...new Set([...recorded.map((r) => r.endpoint_url), ...store.endpoints.map((e) => e.def.url)])];
      const ids = trx.withSchema(store.schema).from('endpoints').whereIn('url', urls).select('id');
      await trx.withSchema(store.schema).from('captured_changes').whereIn('endpoint_id', ids).delete();
      await trx.withSchema(store.schema).from('endpoints').whereIn('url', urls).delete();
    }
    await trx.raw(`DROP SCHEMA ${ident(store.adapterSchema)} CASCADE`);
    return { tables: [...tables.keys()] };
  });
}

/**
 * The server's check at start: every table of the store passes the live check and carries the capture the
 * configuration asks for (same fingerprint, triggers present). Throws TableCheckError or AdapterNotInstalled.
 */
export async function verifyStore(store: TableStore): Promise<Map<string, LiveTable>> {
  const live = await checkStore(store.db, store);
  const recorded = new Map((await installedRows(store.db, store.adapterSchema)).map((r) => [`${r.table_schema}.${r.table_name}`, r]));
  const problems: string[] = [];
  const present = new Map<string, boolean>();
  for (const e of store.endpoints) present.set(e.def.url, recorded.has(`${e.mapping.schema}.${e.mapping.table}`) && (await triggersPresent(store.db, e.mapping)));
  if (store.endpoints.some((e) => !present.get(e.def.url))) {
    for (const e of store.endpoints) if (!present.get(e.def.url)) problems.push(`table ${e.mapping.schema}.${e.mapping.table}: the change capture of kind ${e.mapping.kind} is not installed`);
    throw new AdapterNotInstalled(problems);
  }
  const targets = await captureTargets(store.db, store, live);
  for (const t of targets) {
    if (recorded.get(`${t.mapping.schema}.${t.mapping.table}`)!.fingerprint !== captureFingerprint(t)) {
      problems.push(`table ${t.mapping.schema}.${t.mapping.table}: the change capture installed does not match the configuration of kind ${t.mapping.kind}`);
    }
  }
  if ((await installedFoldBody(store.db, store.adapterSchema)) !== foldFunctionBody(store.schema, targets)) {
    problems.push(`schema ${store.adapterSchema}: the fold function of the change log does not match the configuration`);
  }
  if (problems.length) throw new AdapterNotInstalled(problems);
  return live;
}
