/**
 * The logger's routes view (the dashboard, alerts) reads the latest run of every route and the end of its
 * last done run: indexes by route, newest first, so neither scans the whole run history.
 */
import type { Knex } from 'knex';

export const name = '010_logger_routes';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX log_runs_route_latest ON log_runs (source, target, kind, started_at DESC, id DESC)');
  await knex.raw("CREATE INDEX log_runs_route_done ON log_runs (source, target, kind, last_received_at) WHERE state = 'done'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX log_runs_route_done');
  await knex.raw('DROP INDEX log_runs_route_latest');
}
