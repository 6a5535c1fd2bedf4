/**
 * Resources get a creation sequence number: the stable order of the paged resource feed (a resource keeps
 * its place when it is updated; keys are no order, "10" < "2"). Endpoints remember the conflict priority
 * their configuration last gave, so that a restart applies a changed configuration but keeps a priority set
 * through PUT $syncDigest otherwise.
 */
import type { Knex } from 'knex';

export const name = '003_resource_order';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE resources ADD COLUMN seq bigserial NOT NULL');
  await knex.raw('CREATE INDEX resources_endpoint_seq_index ON resources (endpoint_id, seq) WHERE NOT deleted');
  await knex.raw('ALTER TABLE endpoints ADD COLUMN config_priority integer');
  await knex.raw('UPDATE endpoints SET config_priority = priority');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE endpoints DROP COLUMN config_priority');
  await knex.raw('DROP INDEX IF EXISTS resources_endpoint_seq_index');
  await knex.raw('ALTER TABLE resources DROP COLUMN seq');
}
