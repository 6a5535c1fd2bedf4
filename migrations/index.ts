/** Every migration, in order. Add new ones at the end. */
import type { Knex } from 'knex';
import * as core from './001_core';
import * as logger from './002_logger';
import * as resourceOrder from './003_resource_order';
import * as digestNotify from './004_digest_notify';
import * as preparedBatches from './005_prepared_batches';
import * as loggerVotes from './006_logger_votes';
import * as loggerRequestId from './009_logger_request_id';
import * as loggerRoutes from './010_logger_routes';
import * as capturedChanges from './011_captured_changes';
import * as contextsPerEndpoint from './012_contexts_per_endpoint';
import * as resourceLinks from './013_resource_links';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: Migration[] = [core, logger, resourceOrder, digestNotify, preparedBatches, loggerVotes, loggerRequestId, loggerRoutes, capturedChanges, contextsPerEndpoint, resourceLinks];
