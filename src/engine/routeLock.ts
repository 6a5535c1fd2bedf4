/**
 * Route locks: a route's passes never run twice at once.
 *
 * - In one process, a set of held keys.
 * - Across engine processes, a PostgreSQL session advisory lock per route (`pg_try_advisory_lock` on a
 *   64-bit hash of the route), held on one dedicated connection for the whole route run and released after
 *   it. If that connection drops, PostgreSQL releases its locks; this is logged as an error.
 * PGlite cannot give cross-process locks: only one process can open a PGlite data folder anyway. Without a
 * PostgreSQL URL, locks are in-process only, which is enough for a single engine process.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';

export type Release = () => Promise<void>;

export interface RouteLocks {
  /** Takes the lock of a route at once, or answers undefined when it is held (here or in another process). */
  tryAcquire(routeKey: string): Promise<Release | undefined>;
  close(): Promise<void>;
}

/** The advisory-lock key of a route: the first 64 bits of its SHA-256, as a signed bigint string. */
export function advisoryKey(routeKey: string): string {
  const digest = createHash('sha256').update(routeKey).digest();
  return digest.readBigInt64BE(0).toString();
}

export function inProcessLocks(): RouteLocks {
  const held = new Set<string>();
  return {
    async tryAcquire(key) {
      if (held.has(key)) return undefined;
      held.add(key);
      return async () => {
        held.delete(key);
      };
    },
    async close() {
      held.clear();
    },
  };
}

export async function postgresLocks(databaseUrl: string, log?: Logger): Promise<RouteLocks> {
  const local = inProcessLocks();
  let client: pg.Client | undefined;

  const session = async (): Promise<pg.Client> => {
    if (client) return client;
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'sdata-sync engine' });
    c.on('error', (err) => {
      log?.error({ err: err.message }, 'route-lock connection lost: PostgreSQL released this engine’s route locks');
      if (client === c) client = undefined;
    });
    await c.connect();
    client = c;
    return c;
  };

  return {
    async tryAcquire(key) {
      const releaseLocal = await local.tryAcquire(key);
      if (!releaseLocal) return undefined;
      try {
        const c = await session();
        const id = advisoryKey(key);
        const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [id]);
        if (!rows[0].ok) {
          await releaseLocal();
          return undefined;
        }
        return async () => {
          try {
            if (client === c) await c.query('SELECT pg_advisory_unlock($1::bigint)', [id]);
          } finally {
            await releaseLocal();
          }
        };
      } catch (err) {
        await releaseLocal();
        throw err;
      }
    },
    async close() {
      const c = client;
      client = undefined;
      await local.close();
      if (c) await c.end().catch(() => undefined);
    },
  };
}
