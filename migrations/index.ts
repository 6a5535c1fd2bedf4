/** Every migration, in order. Add new ones at the end. */
import type { Knex } from 'knex';
import * as core from './001_core';
import * as logger from './002_logger';
import * as resourceOrder from './003_resource_order';
import * as preparedBatches from './004_prepared_batches';
import * as loggerVotes from './005_logger_votes';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: Migration[] = [core, logger, resourceOrder, preparedBatches, loggerVotes];
