/** Core tables: endpoints and clocks, digests, resources with sync state, async contexts, conflicts, quarantine, results. */
import type { Knex } from 'knex';

export const name = '001_core';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('endpoints', (t) => {
    t.increments('id').primary();
    t.text('url').notNullable().unique();
    t.text('app').notNullable();
    t.text('contract').notNullable();
    t.text('dataset').notNullable();
    t.text('kind').notNullable();
    // The first tick not yet given out; locked (SELECT ... FOR UPDATE / UPDATE) to give out ticks.
    t.bigInteger('clock').notNullable().defaultTo(1);
    t.timestamp('clock_stamp', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('priority').notNullable();
    // Next local key number for resources created by sync or without a given key.
    t.bigInteger('next_key').notNullable().defaultTo(1);
  });

  await knex.schema.createTable('digest_entries', (t) => {
    t.integer('endpoint_id').notNullable().references('endpoints.id').onDelete('CASCADE');
    t.text('remote_url').notNullable();
    t.bigInteger('tick').notNullable();
    t.timestamp('stamp', { useTz: true }).notNullable();
    t.integer('priority').notNullable();
    t.primary(['endpoint_id', 'remote_url']);
  });

  await knex.schema.createTable('resources', (t) => {
    t.integer('endpoint_id').notNullable().references('endpoints.id').onDelete('CASCADE');
    t.text('local_key').notNullable();
    t.uuid('uuid').notNullable();
    t.jsonb('payload').notNullable();
    t.boolean('deleted').notNullable().defaultTo(false);
    t.text('etag').notNullable();
    // Sync state of the last modification.
    t.text('state_endpoint').notNullable();
    t.bigInteger('state_tick').notNullable();
    t.timestamp('state_stamp', { useTz: true }).notNullable();
    t.text('state_user');
    // Per-version knowledge (PROTOCOL 2.5); null when the endpoint's digest covers it.
    t.jsonb('knowledge');
    t.primary(['endpoint_id', 'local_key']);
    t.unique(['endpoint_id', 'uuid']);
    t.unique(['endpoint_id', 'state_endpoint', 'state_tick']);
  });

  await knex.schema.createTable('contexts', (t) => {
    t.uuid('id').primary();
    t.integer('endpoint_id').notNullable().references('endpoints.id').onDelete('CASCADE');
    // 'source' (a $syncSource selection), 'target' (a $syncTarget application), 'prepared' (two-phase batch).
    t.text('role').notNullable();
    // preparing | ready | applying | done | failed | prepared | committed | aborted
    t.text('status').notNullable();
    t.text('run_name');
    t.text('run_stamp');
    t.text('mode');
    t.jsonb('floor');
    t.jsonb('ceiling');
    t.jsonb('cursor');
    t.integer('total');
    t.jsonb('progress');
    t.text('result');
    t.integer('result_status');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('touched_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['endpoint_id', 'role']);
    t.index(['touched_at']);
  });

  await knex.schema.createTable('conflicts', (t) => {
    t.bigIncrements('id').primary();
    t.integer('endpoint_id').notNullable().references('endpoints.id').onDelete('CASCADE');
    t.uuid('uuid').notNullable();
    t.text('local_key').notNullable();
    // 'source' | 'target': which version won.
    t.text('winner').notNullable();
    t.text('reason').notNullable();
    t.jsonb('winner_version').notNullable();
    t.jsonb('loser_version').notNullable();
    t.text('run_name');
    t.text('run_stamp');
    // open | kept | dismissed
    t.text('status').notNullable().defaultTo('open');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('decided_at', { useTz: true });
    t.index(['endpoint_id', 'status']);
  });

  await knex.schema.createTable('failures', (t) => {
    t.bigIncrements('id').primary();
    t.integer('endpoint_id').notNullable().references('endpoints.id').onDelete('CASCADE');
    t.uuid('uuid');
    // The entry whole, as received (sync state, raw payload, knowledge), and the feed digests it came with.
    t.jsonb('entry').notNullable();
    t.jsonb('ceiling');
    t.jsonb('diagnosis').notNullable();
    t.integer('attempts').notNullable().defaultTo(1);
    // open | applied | superseded
    t.text('status').notNullable().defaultTo('open');
    t.text('run_name');
    t.text('run_stamp');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['endpoint_id', 'status']);
  });

  await knex.schema.createTable('sync_results', (t) => {
    t.bigIncrements('id').primary();
    t.integer('endpoint_id').notNullable().references('endpoints.id').onDelete('CASCADE');
    t.text('run_name');
    t.text('run_stamp');
    t.text('body').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['endpoint_id', 'received_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['sync_results', 'failures', 'conflicts', 'contexts', 'resources', 'digest_entries', 'endpoints']) {
    await knex.schema.dropTableIfExists(table);
  }
}
