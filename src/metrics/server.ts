/** The endpoint server's metrics: its registry, the sync entries it applies, its open backlog and its pool. */
import type { Registry } from 'prom-client';
import type { Db } from '../store/db';
import { backlogMetrics, type StoredEndpoint } from './backlog';
import { poolMetrics } from './pool';
import { serviceRegistry } from './registry';
import { SyncEntryMetrics } from './syncEntries';

export interface ServerMetrics {
  registry: Registry;
  entries: SyncEntryMetrics;
}

/** `stores`: the server's own database first, then the databases of its table-backed kinds. */
export function serverMetrics(stores: readonly Db[], endpoints: () => readonly StoredEndpoint[]): ServerMetrics {
  const registry = serviceRegistry('server');
  poolMetrics(registry, stores);
  backlogMetrics(registry, endpoints);
  const entries = new SyncEntryMetrics(registry);
  entries.known(endpoints().map((e) => e.url));
  return { registry, entries };
}
