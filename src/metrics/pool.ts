/**
 * Database pool use (knex's tarn pool), read at scrape time: connections in use, idle, and acquisitions
 * waiting, summed over the pools of the process (a server has one per database it stores endpoints in).
 * PGlite's pool holds one connection.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/db';

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

function poolOf(db: Db): TarnPool | undefined {
  const pool = (db.client as { pool?: Partial<TarnPool> }).pool;
  return pool && typeof pool.numUsed === 'function' ? (pool as TarnPool) : undefined;
}

export function poolMetrics(registry: Registry, dbs: Db | readonly Db[]): void {
  const all = Array.isArray(dbs) ? dbs : [dbs as Db];
  new Gauge({
    name: 'sdata_db_pool_connections',
    help: 'Database pool connections: used (lent to a query), free (idle), pending (acquisitions waiting for one)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pools = all.map(poolOf).filter((p): p is TarnPool => p !== undefined);
      if (pools.length === 0) return;
      const sum = (f: (p: TarnPool) => number) => pools.reduce((n, p) => n + f(p), 0);
      this.set({ state: 'used' }, sum((p) => p.numUsed()));
      this.set({ state: 'free' }, sum((p) => p.numFree()));
      this.set({ state: 'pending' }, sum((p) => p.numPendingAcquires()));
    },
  });
}
