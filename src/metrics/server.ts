/** The endpoint server's metrics: its registry, the sync entries it applies, its open backlog and its pool. */
import type { Registry } from 'prom-client';
import type { Db } from '../store/db';
import { backlogMetrics } from './backlog';
import { poolMetrics } from './pool';
import { serviceRegistry } from './registry';
import { SyncEntryMetrics } from './syncEntries';

export interface ServerMetrics {
  registry: Registry;
  entries: SyncEntryMetrics;
}

export function serverMetrics(db: Db, endpoints: () => readonly { id: number; url: string }[]): ServerMetrics {
  const registry = serviceRegistry('server');
  poolMetrics(registry, db);
  backlogMetrics(registry, db, endpoints);
  const entries = new SyncEntryMetrics(registry);
  entries.known(endpoints().map((e) => e.url));
  return { registry, entries };
}
