/**
 * Runs a block of database tests on PGlite always, and on PostgreSQL too when DATABASE_URL is set.
 * Each run gets a fresh database: an in-memory PGlite (started on a copy of the test run's migrated database,
 * see pgliteTemplate.ts), or its own PostgreSQL schema (a copy of the run's migrated one, see postgresTemplate.ts;
 * dropped afterwards).
 */
import { randomUUID } from 'node:crypto';
import { closeDatabase, openDatabase, type Db, type DatabaseKind } from '../../src/store/db';
import { openFromTemplate } from './pgliteTemplate';
import { createMigratedSchema } from './postgresTemplate';

export interface TestDatabase {
  kind: DatabaseKind;
  /** Opens a fresh, migrated database; closed and dropped after the block's tests. */
  open(): Promise<Db>;
}

export const postgresUrl = process.env.DATABASE_URL;

function testDatabase(kind: DatabaseKind): TestDatabase {
  return {
    kind,
    async open() {
      const schema = kind === 'postgres' ? `t_${randomUUID().replace(/-/g, '').slice(0, 16)}` : undefined;
      if (schema) await createMigratedSchema(postgresUrl!, schema);
      const db = kind === 'postgres' ? await openDatabase({ databaseUrl: postgresUrl, schema }) : ((await openFromTemplate()) ?? (await openDatabase({ dataDir: 'memory://' })));
      opened.push({ db, schema });
      return db;
    },
  };
}

const opened: { db: Db; schema?: string }[] = [];

afterAll(async () => {
  await Promise.all(opened.splice(0).map(({ db, schema }) => closeDatabase(db, schema)));
});

/** `describe` once per database: "[pglite] ..." and "[postgres] ..." (the latter only with DATABASE_URL). */
export function describeEachDatabase(title: string, body: (tdb: TestDatabase) => void): void {
  describe(`[pglite] ${title}`, () => body(testDatabase('pglite')));
  if (postgresUrl) describe(`[postgres] ${title}`, () => body(testDatabase('postgres')));
  else describe.skip(`[postgres] ${title} (skipped: DATABASE_URL is not set)`, () => body(testDatabase('postgres')));
}

/** `describe` that needs PostgreSQL: visibly skipped without DATABASE_URL. */
export function describePostgres(title: string, body: (tdb: TestDatabase) => void): void {
  if (postgresUrl) describe(`[postgres] ${title}`, () => body(testDatabase('postgres')));
  else describe.skip(`[postgres] ${title} (skipped: DATABASE_URL is not set)`, () => body(testDatabase('postgres')));
}
