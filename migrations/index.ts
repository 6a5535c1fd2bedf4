/** Every migration, in order. Add new ones at the end. */
import type { Knex } from 'knex';
import * as core from './001_core';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: Migration[] = [core];
