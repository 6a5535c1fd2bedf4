/** What `sdata-sync migrate` does (its options: commands/migrate.ts): runs the database migrations of the configured storage and lists those applied. */
import { loadConfig } from '../../config/load';
import { openDatabase } from '../../store/db';
import { runMigrations } from '../../store/migrate';

export interface MigrateCliOptions {
  config?: string;
}

export async function runMigrate(o: MigrateCliOptions): Promise<void> {
  const cfg = loadConfig(o.config);
  const db = await openDatabase({ databaseUrl: cfg.storage.databaseUrl, dataDir: cfg.storage.dataDir, lockStaleSeconds: cfg.storage.lockStaleSeconds, pgliteSharedBuffersMB: cfg.storage.pglite.sharedBuffersMB, migrate: false });
  try {
    const applied = await runMigrations(db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.destroy();
  }
}
