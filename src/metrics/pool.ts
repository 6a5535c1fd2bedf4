/**
 * Database pool use (knex's tarn pool), read at scrape time: connections in use, idle, and acquisitions
 * waiting. PGlite's pool holds one connection.
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

export function poolMetrics(registry: Registry, db: Db): void {
  new Gauge({
    name: 'sdata_db_pool_connections',
    help: 'Database pool connections: used (lent to a query), free (idle), pending (acquisitions waiting for one)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = poolOf(db);
      if (!pool) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'pending' }, pool.numPendingAcquires());
    },
  });
}
