/**
 * Database connection: embedded PGlite (real PostgreSQL in WASM, in-process) by default, or PostgreSQL
 * through `pg` when a connection string is given. The same migrations and SQL run on both.
 */
import { mkdirSync } from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { lockDataDir } from './dataDirLock';
import { runMigrations } from './migrate';
import { initialisePgliteDir } from './pgliteInit';

// int8 (ticks, ids) as JS numbers: ticks stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export type Db = Knex;
export type Tx = Knex.Transaction;
export type DbOrTx = Knex | Knex.Transaction;

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, PGlite is used. */
  databaseUrl?: string;
  /** PGlite data folder, or `memory://` for an in-memory database. */
  dataDir?: string;
  /** PostgreSQL schema to use (created if missing); tests use one schema each. */
  schema?: string;
  /** Connection pool size on PostgreSQL. */
  poolMax?: number;
  /** Run migrations after connecting (default true). */
  migrate?: boolean;
  /** A PGlite folder's lock left by a process that died is taken over after this long (store/dataDirLock.ts). */
  lockStaleSeconds?: number;
  /** PGlite's shared_buffers in MB (`storage.pglite.sharedBuffersMB`); PostgreSQL's own default (128) when absent. */
  pgliteSharedBuffersMB?: number;
}

export type DatabaseKind = 'pglite' | 'postgres';

export function databaseKind(db: Db): DatabaseKind {
  return (db.client.config.client as unknown) === 'pg' ? 'postgres' : 'pglite';
}

export async function openDatabase(opts: DatabaseOptions): Promise<Db> {
  let db: Db;
  if (opts.databaseUrl) {
    if (opts.schema) {
      const admin = knexFactory({ client: 'pg', connection: opts.databaseUrl, pool: { min: 0, max: 1 } });
      try {
        await admin.raw('CREATE SCHEMA IF NOT EXISTS ??', [opts.schema]);
      } finally {
        await admin.destroy();
      }
    }
    db = knexFactory({
      client: 'pg',
      connection: opts.databaseUrl,
      searchPath: opts.schema ? [opts.schema] : undefined,
      pool: { min: 0, max: opts.poolMax ?? 10 },
    });
  } else {
    // knex-pglite is loaded only when used; it pins its pool to one connection (PGlite is single-user).
    // Its statements each go to PGlite in one exchange, the short ones prepared once (pgliteStatements.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('knex-pglite');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { withOneExchangeStatements } = require('./pgliteStatements') as typeof import('./pgliteStatements');
    const ClientPgLite = withOneExchangeStatements(mod.default ?? mod);
    const dir = opts.dataDir ?? './data';
    const inMemory = dir === 'memory://' || dir === '';
    const over = (dataDir?: string) => knexFactory({ client: ClientPgLite, dialect: 'postgres', connection: { pglite: newPglite(dataDir, opts.pgliteSharedBuffersMB) } } as Knex.Config);
    if (inMemory) {
      db = over();
    } else {
      mkdirSync(dir, { recursive: true });
      // Before anything touches the folder, initdb included: one process per folder.
      const unlock = await lockDataDir(dir, { staleSeconds: opts.lockStaleSeconds });
      try {
        await initialisePgliteDir(dir);
      } catch (err) {
        await unlock();
        throw err;
      }
      db = over(dir);
      releasedOnDestroy(db, unlock);
    }
  }
  if (opts.migrate !== false) {
    try {
      await runMigrations(db);
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  return db;
}

/**
 * A PGlite instance over `dataDir` (in memory when absent), with shared_buffers set when asked: a start
 * parameter, so it holds whatever the folder's configuration says.
 */
function newPglite(dataDir: string | undefined, sharedBuffersMB: number | undefined): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  const startParams = sharedBuffersMB === undefined ? undefined : [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMB}MB`];
  return new PGlite({ dataDir, startParams });
}

/** `db.destroy()` also releases the folder's lock, once PGlite has closed it. */
function releasedOnDestroy(db: Db, unlock: () => Promise<void>): void {
  const destroy = db.destroy.bind(db);
  let released: Promise<void> | undefined;
  const destroyAndRelease = async () => {
    try {
      await destroy();
    } finally {
      released ??= unlock();
      await released;
    }
  };
  // knex defines its methods read-only (but configurable).
  Object.defineProperty(db, 'destroy', { value: destroyAndRelease, configurable: true });
}

/** Drops a test schema and closes the connection. */
export async function closeDatabase(db: Db, dropSchema?: string): Promise<void> {
  if (dropSchema && databaseKind(db) === 'postgres') await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [dropSchema]);
  await db.destroy();
}

/** Rows a delete touched: knex answers a number on pg, the driver's result ({ affectedRows }) on knex-pglite. */
export function affectedRows(result: unknown): number {
  if (typeof result === 'number') return result;
  const r = result as { affectedRows?: number; rowCount?: number };
  return Number(r.affectedRows ?? r.rowCount ?? 0);
}

/** A trivial query: resolves when the database answers (readiness checks). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.raw('select 1');
}
