/** Runs the migrations of the top-level migrations/ folder (an explicit list, so they load the same everywhere). */
import type { Knex } from 'knex';
import { migrations } from '../../migrations';

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map((m) => m.name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const m = migrations.find((x) => x.name === name);
    if (!m) throw new Error(`unknown migration ${name}`);
    return m;
  },
};

export async function runMigrations(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource: source });
  return applied as string[];
}
