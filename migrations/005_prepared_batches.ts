/**
 * Prepared two-phase batches (PROTOCOL.md 7): a `prepared` context keeps the pages it was given (as they
 * came) until `$commit` applies them or `$abort` / its timeout drops them, and holds a lock on every UUID
 * they touch, so no other change of those resources can make the commit fail. Pages and locks go with their
 * context (ON DELETE CASCADE).
 */
import type { Knex } from 'knex';

export const name = '005_prepared_batches';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE contexts ADD COLUMN expires_at timestamptz');
  await knex.schema.createTable('prepared_pages', (t) => {
    t.uuid('context_id').notNullable().references('contexts.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.text('body').notNullable();
    t.primary(['context_id', 'seq']);
  });
  await knex.schema.createTable('prepared_locks', (t) => {
    t.integer('endpoint_id').notNullable().references('endpoints.id').onDelete('CASCADE');
    t.uuid('uuid').notNullable();
    t.uuid('context_id').notNullable().references('contexts.id').onDelete('CASCADE');
    t.primary(['endpoint_id', 'uuid']);
    t.index(['context_id']);
  });
  await knex.raw(`CREATE INDEX contexts_prepared_expiry_index ON contexts (expires_at) WHERE role = 'prepared' AND status = 'prepared'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS contexts_prepared_expiry_index');
  await knex.schema.dropTableIfExists('prepared_locks');
  await knex.schema.dropTableIfExists('prepared_pages');
  await knex.raw('ALTER TABLE contexts DROP COLUMN expires_at');
}
