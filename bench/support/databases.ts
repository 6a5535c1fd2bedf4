/** The databases a benchmark runs on: a fresh in-memory PGlite, or PostgreSQL (DATABASE_URL) in a schema of its own, dropped afterwards. */
import { randomUUID } from 'node:crypto';
import { closeDatabase, openDatabase, type Db, type DatabaseKind } from '../../src/store/db';

/** Runs `work` on a fresh database of this kind; PostgreSQL without DATABASE_URL is skipped with a line saying so. */
export async function onBenchDatabase(kind: DatabaseKind, work: (db: Db) => Promise<void>): Promise<void> {
  if (kind === 'postgres' && !process.env.DATABASE_URL) {
    console.log('PostgreSQL: skipped (DATABASE_URL is not set)');
    return;
  }
  const schema = kind === 'postgres' ? `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}` : undefined;
  const db = await openDatabase(kind === 'postgres' ? { databaseUrl: process.env.DATABASE_URL, schema, poolMax: 10 } : { dataDir: 'memory://' });
  try {
    await work(db);
  } finally {
    if (kind === 'postgres') await closeDatabase(db, schema);
    else await db.destroy();
  }
}
