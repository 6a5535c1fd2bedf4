/** `sdata-sync migrate`: runs the database migrations of the configured storage and lists those applied. */
import { Command } from 'commander';
import { loadConfig } from '../../config/load';
import { openDatabase } from '../../store/db';
import { runMigrations } from '../../store/migrate';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('run the database migrations (PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR)')
    .option('--config <file>', 'configuration file')
    .action(async (o: { config?: string }) => {
      const cfg = loadConfig(o.config);
      const db = await openDatabase({ databaseUrl: cfg.storage.databaseUrl, dataDir: cfg.storage.dataDir, lockStaleSeconds: cfg.storage.lockStaleSeconds, migrate: false });
      try {
        const applied = await runMigrations(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await db.destroy();
      }
    });
}
