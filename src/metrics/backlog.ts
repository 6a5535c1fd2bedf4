/**
 * Open conflicts and quarantined failures per endpoint, read at scrape time with one grouped query each
 * (indexed by endpoint and status). Every configured endpoint has a series, 0 when it has none open.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/db';
import { openConflictCounts } from '../store/conflicts';
import { openFailureCounts } from '../store/failures';
import { endpointLabel } from './syncEntries';

export function backlogMetrics(registry: Registry, db: Db, endpoints: () => readonly { id: number; url: string }[]): void {
  const gauge = (name: string, help: string, count: (db: Db) => Promise<Map<number, number>>) =>
    new Gauge({
      name,
      help,
      labelNames: ['endpoint'] as const,
      registers: [registry],
      async collect() {
        const counts = await count(db);
        for (const e of endpoints()) this.set({ endpoint: endpointLabel(e.url) }, counts.get(e.id) ?? 0);
      },
    });
  gauge('sdata_open_conflicts', 'Parked conflicts not decided yet ($conflicts with status open), by endpoint', openConflictCounts);
  gauge('sdata_open_failures', 'Quarantined entries not applied yet ($failures with status open), by endpoint', openFailureCounts);
}
