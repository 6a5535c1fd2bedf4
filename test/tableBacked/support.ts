/**
 * A server with two applications of the demo's kinds: `crm` in sdata-sync's own tables, `erp` table-backed
 * (its accounts and contacts are the rows of two application tables, a foreign key between them). The
 * tables live in the server's own database (PGlite or PostgreSQL) or, with `connection`, in another
 * PostgreSQL database reached by its connection string.
 */
import { randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { parseConfig } from '../../src/config/load';
import type { Config, ConfigInput } from '../../src/config/schema';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { SDataClient } from '../../src/engine/sdataClient';
import { runPass, type PassSummary } from '../../src/engine/pass';
import type { Db } from '../../src/store/db';
import { installStore } from '../../src/store/tableBacked/install';
import { openTableStores } from '../../src/store/tableBacked/stores';
import { demoConfig } from '../../src/config/demo';
import { freePort } from '../e2e/support/processes';
import type { TestDatabase } from '../support/databases';

export const uniqueName = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** The application's own tables (what an existing application would have). */
function appTablesSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `CREATE TABLE ${s}.accounts (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, balance numeric CHECK (balance >= 0), active boolean, opened_on date)`,
    `CREATE TABLE ${s}.contacts (id serial PRIMARY KEY, first_name text, last_name text NOT NULL, email text, account_id integer REFERENCES ${s}.accounts (id))`,
  ];
}

export interface Site {
  /** Where the application's tables are. */
  appSchema: string;
  adapterSchema: string;
  connection?: string;
}

/** Changes a test makes to the applications' kinds (crm's and erp's, as configuration input). */
export type KindsChange = (crm: Record<string, any>, erp: Record<string, any>) => void;

/** The configuration: crm plain, erp table-backed on the site's tables. */
export function siteConfig(site: Site, port: number, over: Partial<ConfigInput> = {}, kinds?: KindsChange): Config {
  const [crm, erp] = structuredClone(demoConfig.applications!) as Record<string, any>[];
  const table = (name: string) => ({ schema: site.appSchema, name, key: 'id', adapterSchema: site.adapterSchema, ...(site.connection ? { connection: site.connection } : {}) });
  erp.keys = { style: 'numeric' };
  erp.kinds[0].table = table('accounts');
  erp.kinds[0].properties.openedOn.column = 'opened_on';
  erp.kinds[1].table = table('contacts');
  erp.kinds[1].properties.firstName.column = 'first_name';
  erp.kinds[1].properties.lastName.column = 'last_name';
  erp.kinds[1].properties.account.column = 'account_id';
  kinds?.(crm, erp);
  return parseConfig({ server: { port }, log: { level: 'warn' }, sync: { answerWithinMillis: 5000 }, ...over, applications: [crm, erp] }, {});
}

/** `adapter install` of every table-backed kind of the configuration (what the CLI command runs). */
export async function install(cfg: Config, db: Db): Promise<void> {
  const stores = await openTableStores(cfg, db);
  try {
    for (const store of stores.stores) await installStore(store);
  } finally {
    await stores.close();
  }
}

/** A knex on the application's database (the server's own when the site has no connection). */
function appDatabase(site: Site, serverDb: Db): { db: Db; close(): Promise<void> } {
  if (!site.connection) return { db: serverDb, close: async () => undefined };
  const db = knexFactory({ client: 'pg', connection: site.connection, pool: { min: 0, max: 2 } });
  return { db, close: () => db.destroy() };
}

export interface TableBackedServer {
  server: RunningServer;
  cfg: Config;
  crm: string;
  erp: string;
  /** SQL as the application runs it (its own connection, no setting of ours). */
  sql<T = Record<string, unknown>>(text: string, bindings?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * A fresh database of the block's kind with the table-backed server on it: the application's tables in its
 * current schema (a test schema on PostgreSQL), the adapter's in a schema of its own.
 */
export async function openTableBacked(tdb: TestDatabase, opts: { seed?: (appSchema: string) => string[]; kinds?: KindsChange } = {}): Promise<{ t: TableBackedServer; app: string }> {
  const db = await tdb.open();
  const app = tdb.kind === 'postgres' ? ((await db.raw('SELECT current_schema() AS s')).rows[0].s as string) : 'public';
  return { t: await startTableBacked(db, { appSchema: app, adapterSchema: uniqueName('sdata') }, { seed: opts.seed?.(app), kinds: opts.kinds }), app };
}

/** Creates the application's tables, installs the capture, starts the server. */
export async function startTableBacked(serverDb: Db, site: Site, opts: { seed?: string[]; config?: Partial<ConfigInput>; kinds?: KindsChange } = {}): Promise<TableBackedServer> {
  const app = appDatabase(site, serverDb);
  let cfg: Config;
  let server: RunningServer;
  try {
    if (site.appSchema !== 'public') await app.db.raw(`CREATE SCHEMA IF NOT EXISTS "${site.appSchema}"`);
    for (const statement of [...appTablesSql(site.appSchema), ...(opts.seed ?? [])]) await app.db.raw(statement);
    // Endpoint URLs name the port: the same at install and when serving.
    cfg = siteConfig(site, await freePort(), opts.config, opts.kinds);
    await install(cfg, serverDb);
    server = await startServer(cfg, { db: serverDb });
  } catch (err) {
    await app.close();
    throw err;
  }
  return {
    server,
    cfg,
    crm: `${server.url}/sdata/crm/test/-`,
    erp: `${server.url}/sdata/erp/test/-`,
    async sql<T>(text: string, bindings: unknown[] = []) {
      const result = await app.db.raw(text, bindings as never);
      return ((result as { rows?: T[] }).rows ?? []) as T[];
    },
    async close() {
      await server.close();
      if (site.connection) {
        await app.db.raw(`DROP SCHEMA IF EXISTS "${site.adapterSchema}" CASCADE`);
        await app.db.raw(`DROP SCHEMA IF EXISTS "${site.appSchema}" CASCADE`);
      }
      await app.close();
    },
  };
}

let runs = 0;
const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };

/** One catch-up pass of every kind (or of these) between two application URLs. */
export function pass(source: string, target: string, opts: { pageSize?: number; kinds?: string[] } = {}): Promise<PassSummary> {
  const client = new SDataClient({ run: { runName: `table run ${++runs}`, runStamp: new Date().toISOString() }, retry: fast });
  return runPass({ source, target, pageSize: opts.pageSize ?? 100, kinds: opts.kinds, client });
}
