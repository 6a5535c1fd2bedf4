/**
 * Open conflicts and quarantined failures per endpoint, read at scrape time with one grouped query each
 * (indexed by endpoint and status) in every store that holds endpoints (endpoint ids are a store's own).
 * Every configured endpoint has a series, 0 when it has none open.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/db';
import { conflictTable } from '../store/conflicts';
import { failureTable } from '../store/failures';
import { endpointLabel } from './syncEntries';

/** An endpoint and the store it lives in. */
export interface StoredEndpoint {
  id: number;
  url: string;
  db: Db;
}

export function backlogMetrics(registry: Registry, endpoints: () => readonly StoredEndpoint[]): void {
  const gauge = (name: string, help: string, count: (db: Db) => Promise<Map<number, number>>) =>
    new Gauge({
      name,
      help,
      labelNames: ['endpoint'] as const,
      registers: [registry],
      async collect() {
        const all = endpoints();
        const stores = [...new Set(all.map((e) => e.db))];
        const counts = new Map(await Promise.all(stores.map(async (db) => [db, await count(db)] as const)));
        for (const e of all) this.set({ endpoint: endpointLabel(e.url) }, counts.get(e.db)!.get(e.id) ?? 0);
      },
    });
  gauge('sdata_open_conflicts', 'Parked conflicts not decided yet ($conflicts with status open), by endpoint', conflictTable.openCounts);
  gauge('sdata_open_failures', 'Quarantined entries not applied yet ($failures with status open), by endpoint', failureTable.openCounts);
}
