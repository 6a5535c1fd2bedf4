/** `sdata-sync migrate`: its options; what it does is loaded when it runs (actions/migrate.ts). */
import { Command } from 'commander';
import type { MigrateCliOptions } from '../actions/migrate';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('run the database migrations (PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR)')
    .option('--config <file>', 'configuration file')
    .action((o: MigrateCliOptions) => (require('../actions/migrate') as typeof import('../actions/migrate')).runMigrate(o));
}
