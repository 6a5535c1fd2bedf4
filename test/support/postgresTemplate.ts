/**
 * Fresh, migrated PostgreSQL schemas for the tests without running the migrations in each one. jest's global
 * setup migrates one template schema per run (openDatabase, as a server would), dumps it with pg_dump (its
 * tables, functions, triggers and rows: the migrations' own records included) into the run's folder, and
 * drops it. A test's schema is then the dump run under the test's schema name, in one statement; a server or
 * a test opening it runs the migrations, which find nothing to do.
 *
 * Without the dump (no DATABASE_URL in the global setup, or no pg_dump or database: a warning says so) every
 * schema is migrated afresh.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { closeDatabase, openDatabase, type Db } from '../../src/store/db';

export const POSTGRES_DUMP_ENV = 'SDATA_TEST_POSTGRES_DUMP';

const run = promisify(execFile);

/** Migrates a template schema, dumps it into `dir`; answers the dump's file, undefined (and a warning) on failure. */
export async function makePostgresDump(url: string, dir: string): Promise<string | undefined> {
  // A name that occurs nowhere else in the dump, so that renaming it renames the schema only.
  const template = `sdata_test_template_${randomUUID().replace(/-/g, '')}`;
  let db: Db | undefined;
  try {
    db = await openDatabase({ databaseUrl: url, schema: template });
    const { stdout } = await run('pg_dump', ['--schema', template, '--no-owner', '--no-privileges', '--inserts', '--dbname', url], { maxBuffer: 64 * 1024 * 1024 });
    const file = join(dir, 'postgres-schema.sql');
    // Recent pg_dump versions fence a plain dump in psql's \restrict and \unrestrict commands, which are not SQL.
    const sql = stdout.split('\n').filter((line) => !/^\\(un)?restrict\b/.test(line)).join('\n');
    writeFileSync(file, JSON.stringify({ template, sql }));
    return file;
  } catch (err) {
    process.stderr.write(`no dump of a migrated PostgreSQL schema, every test schema runs the migrations: ${(err as Error).message}\n`);
    return undefined;
  } finally {
    if (db) await closeDatabase(db, template);
  }
}

let dump: { template: string; sql: string } | undefined;

function loadDump(): { template: string; sql: string } | undefined {
  const file = process.env[POSTGRES_DUMP_ENV];
  if (!file) return undefined;
  dump ??= JSON.parse(readFileSync(file, 'utf8')) as { template: string; sql: string };
  return dump;
}

/**
 * Creates `schema` as a copy of the run's freshly migrated one, on a connection of its own (the dump sets the
 * session's search_path); false (nothing done) without a dump.
 */
export async function createMigratedSchema(url: string, schema: string): Promise<boolean> {
  const d = loadDump();
  if (!d) return false;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(d.sql.split(d.template).join(`"${schema.replace(/"/g, '""')}"`));
  } finally {
    await client.end();
  }
  return true;
}
