/**
 * A tracking ID names an async context of ONE endpoint (PROTOCOL.md 3.2: `{ep}/$syncSource('ID')`): the
 * contexts' key becomes (endpoint, tracking ID), so the same ID at two endpoints makes two contexts and a
 * request at one endpoint never reaches a context of another. The pages and locks of a prepared batch name
 * their context by the same pair (a page gains its endpoint); they still go with it (ON DELETE CASCADE).
 */
import type { Knex } from 'knex';

export const name = '012_contexts_per_endpoint';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE prepared_pages DROP CONSTRAINT prepared_pages_context_id_foreign');
  await knex.raw('ALTER TABLE prepared_locks DROP CONSTRAINT prepared_locks_context_id_foreign');
  await knex.raw('ALTER TABLE prepared_pages ADD COLUMN endpoint_id integer');
  await knex.raw('UPDATE prepared_pages p SET endpoint_id = c.endpoint_id FROM contexts c WHERE c.id = p.context_id');
  await knex.raw('DELETE FROM prepared_pages WHERE endpoint_id IS NULL');
  await knex.raw('ALTER TABLE prepared_pages ALTER COLUMN endpoint_id SET NOT NULL');
  await knex.raw('ALTER TABLE prepared_pages DROP CONSTRAINT prepared_pages_pkey');
  await knex.raw('ALTER TABLE prepared_pages ADD CONSTRAINT prepared_pages_pkey PRIMARY KEY (endpoint_id, context_id, seq)');
  await knex.raw('ALTER TABLE contexts DROP CONSTRAINT contexts_pkey');
  await knex.raw('ALTER TABLE contexts ADD CONSTRAINT contexts_pkey PRIMARY KEY (endpoint_id, id)');
  await knex.raw(
    'ALTER TABLE prepared_pages ADD CONSTRAINT prepared_pages_context_foreign FOREIGN KEY (endpoint_id, context_id) REFERENCES contexts (endpoint_id, id) ON DELETE CASCADE',
  );
  await knex.raw(
    'ALTER TABLE prepared_locks ADD CONSTRAINT prepared_locks_context_foreign FOREIGN KEY (endpoint_id, context_id) REFERENCES contexts (endpoint_id, id) ON DELETE CASCADE',
  );
}

/** Back to one context per tracking ID: fails while two endpoints hold contexts with the same ID. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE prepared_locks DROP CONSTRAINT prepared_locks_context_foreign');
  await knex.raw('ALTER TABLE prepared_pages DROP CONSTRAINT prepared_pages_context_foreign');
  await knex.raw('ALTER TABLE contexts DROP CONSTRAINT contexts_pkey');
  await knex.raw('ALTER TABLE contexts ADD CONSTRAINT contexts_pkey PRIMARY KEY (id)');
  await knex.raw('ALTER TABLE prepared_pages DROP CONSTRAINT prepared_pages_pkey');
  await knex.raw('ALTER TABLE prepared_pages ADD CONSTRAINT prepared_pages_pkey PRIMARY KEY (context_id, seq)');
  await knex.raw('ALTER TABLE prepared_pages DROP COLUMN endpoint_id');
  await knex.raw('ALTER TABLE prepared_pages ADD CONSTRAINT prepared_pages_context_id_foreign FOREIGN KEY (context_id) REFERENCES contexts (id) ON DELETE CASCADE');
  await knex.raw('ALTER TABLE prepared_locks ADD CONSTRAINT prepared_locks_context_id_foreign FOREIGN KEY (context_id) REFERENCES contexts (id) ON DELETE CASCADE');
}
