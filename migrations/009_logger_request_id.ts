/** An event of the event logger keeps the request id (X-Request-Id) of the work it came from, to trace it across processes. */
import type { Knex } from 'knex';

export const name = '009_logger_request_id';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE log_events ADD COLUMN request_id text');
  await knex.raw('CREATE INDEX log_events_request_id ON log_events (request_id) WHERE request_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS log_events_request_id');
  await knex.raw('ALTER TABLE log_events DROP COLUMN request_id');
}
