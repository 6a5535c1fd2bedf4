/**
 * `$linked` (PROTOCOL.md 2.8): whether a resource's UUID is known beyond its endpoint. A resource created
 * here without a given UUID is not linked until a page, `POST $linked` or a link by matching properties
 * links it; only such a resource may take the UUID of an incoming entry that matches it. Resources that
 * exist already count as linked when their version came from another endpoint.
 */
import type { Knex } from 'knex';

export const name = '013_resource_links';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE resources ADD COLUMN linked boolean NOT NULL DEFAULT false');
  await knex.raw('UPDATE resources r SET linked = true FROM endpoints e WHERE e.id = r.endpoint_id AND r.state_endpoint <> e.url');
  // The resources not yet linked: few beside the linked ones, found by endpoint and own tick (a page whose
  // source has their version marks them linked).
  await knex.raw('CREATE INDEX resources_unlinked ON resources (endpoint_id, state_tick) WHERE NOT linked AND NOT deleted');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS resources_unlinked');
  await knex.raw('ALTER TABLE resources DROP COLUMN linked');
}
