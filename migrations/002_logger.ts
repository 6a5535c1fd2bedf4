/** Event logger tables: one record per run (a pass of one kind) and every diagnosis received, with its run. */
import type { Knex } from 'knex';

export const name = '002_logger';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('log_runs', (t) => {
    t.bigIncrements('id').primary();
    // The run's identity ('' when a post did not say): what the engine sends with every result feed.
    t.text('run_name').notNullable().defaultTo('');
    t.text('run_stamp').notNullable().defaultTo('');
    t.text('source').notNullable().defaultTo('');
    t.text('target').notNullable().defaultTo('');
    t.text('kind').notNullable().defaultTo('');
    // running | done | cut | failed
    t.text('state').notNullable().defaultTo('running');
    // runStamp when it is a date-time, else when the first post arrived.
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('last_received_at', { useTz: true }).notNullable();
    t.integer('posts').notNullable().defaultTo(0);
    t.integer('pages').notNullable().defaultTo(0);
    t.integer('entries_read').notNullable().defaultTo(0);
    t.integer('created').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('deleted').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.integer('conflicts').notNullable().defaultTo(0);
    t.integer('skipped').notNullable().defaultTo(0);
    // opensearch totalResults of the run's selection, when the engine told it.
    t.integer('total_results');
    t.unique(['run_name', 'run_stamp', 'source', 'target', 'kind']);
    t.index(['last_received_at']);
    t.index(['started_at']);
  });

  await knex.schema.createTable('log_events', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('run_id').notNullable().references('log_runs.id').onDelete('CASCADE');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('severity').notNullable();
    t.text('sdata_code').notNullable();
    t.text('application_code');
    t.text('message').notNullable();
    t.text('payload_path');
    // The result entry the diagnosis belongs to (null for a feed-level diagnosis).
    t.text('entry_id');
    t.text('uuid');
    t.integer('http_status');
    t.text('http_method');
    t.text('location');
    t.index(['received_at']);
    t.index(['run_id']);
    t.index(['severity', 'received_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('log_events');
  await knex.schema.dropTableIfExists('log_runs');
}
