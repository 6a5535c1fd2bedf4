/**
 * The change log of table-backed kinds: what an application's own statements changed, appended by the
 * capture triggers (store/tableBacked/captureSql.ts) and folded into `resources` before the endpoint is read
 * (store/tableBacked/foldSql.ts). One row per captured statement, never per changed row: the statement's
 * local keys in tick order (tick = first_tick + position - 1), the first `deletions` of them deleted rows,
 * the rest live rows, with the statement's stamp and user. Append-only between folds: capture never reads
 * it, so an application's statement pays one array and one row for any number of changed rows.
 */
import type { Knex } from 'knex';

export const name = '011_captured_changes';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TABLE captured_changes (
    endpoint_id integer NOT NULL,
    first_tick bigint NOT NULL,
    keys text[] NOT NULL,
    deletions integer NOT NULL,
    stamp timestamptz NOT NULL,
    state_user text,
    PRIMARY KEY (endpoint_id, first_tick))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE captured_changes');
}
