/** A run record of the event logger may be a distribution's: every target's vote and outcome, as JSON. */
import type { Knex } from 'knex';

export const name = '006_logger_votes';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE log_runs ADD COLUMN votes jsonb');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE log_runs DROP COLUMN votes');
}
