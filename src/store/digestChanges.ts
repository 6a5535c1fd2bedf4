/**
 * Hears the digest changes the database announces (migration 004: NOTIFY `sdata_digest` with
 * `{schema}:{endpoint id}` at every commit that moves a clock or a digest entry).
 *
 * - PostgreSQL: one dedicated `pg` connection LISTENs, so changes committed by any server process over the
 *   same database are heard; a lost connection is opened again after a short wait, and `onGap` is called
 *   (notifications may have been missed meanwhile, so the caller re-reads what it serves).
 * - PGlite: the embedded database delivers its notifications in-process (`PGlite.listen`).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { databaseKind, type Db } from './db';

const DIGEST_CHANNEL = 'sdata_digest';
const RECONNECT_MILLIS = 500;

export interface DigestChangeListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  /** An endpoint's digest changed (committed). */
  onChange(endpointId: number): void;
  /** Notifications may have been lost (a connection was reopened): every digest may have changed. */
  onGap(): void;
  log?: Logger;
}

interface PgliteListening {
  listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>>;
}

/** The schema this database's tables live in, as the triggers' current_schema() names it. */
async function schemaOf(db: Db): Promise<string> {
  const { rows } = await db.raw<{ rows: { schema: string }[] }>('SELECT current_schema() AS schema');
  return rows[0].schema;
}

function payloadHandler(schema: string, onChange: (id: number) => void): (payload: string) => void {
  const prefix = `${schema}:`;
  return (payload) => {
    if (!payload.startsWith(prefix)) return;
    const id = Number(payload.slice(prefix.length));
    if (Number.isInteger(id)) onChange(id);
  };
}

export async function listenDigestChanges(db: Db, opts: ListenOptions): Promise<DigestChangeListener> {
  const handle = payloadHandler(await schemaOf(db), opts.onChange);
  if (databaseKind(db) === 'pglite') {
    // knex-pglite keeps its one PGlite instance on the client once a connection was acquired (schemaOf did).
    const pglite = (db.client as { pglite?: PgliteListening }).pglite;
    if (!pglite) throw new Error('listenDigestChanges: no PGlite instance behind this database');
    const unlisten = await pglite.listen(DIGEST_CHANNEL, handle);
    return { close: () => unlisten() };
  }
  return listenOnPostgres(db.client.config.connection as string | pg.ClientConfig, handle, opts);
}

async function listenOnPostgres(connection: string | pg.ClientConfig, handle: (payload: string) => void, opts: ListenOptions): Promise<DigestChangeListener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const open = async (): Promise<void> => {
    const c = new pg.Client(typeof connection === 'string' ? { connectionString: connection } : connection);
    c.on('notification', (n) => {
      if (n.channel === DIGEST_CHANNEL && n.payload) handle(n.payload);
    });
    c.on('error', (err) => {
      opts.log?.warn({ err: err.message }, 'digest change connection lost; opening it again');
      void c.end().catch(() => undefined);
      if (client === c) client = undefined;
      schedule();
    });
    await c.connect();
    await c.query(`LISTEN ${DIGEST_CHANNEL}`);
    if (closed) {
      await c.end();
      return;
    }
    client = c;
  };
  const schedule = (): void => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      open().then(opts.onGap, (err: unknown) => {
        opts.log?.warn({ err: (err as Error).message }, 'digest change connection could not be opened; trying again');
        schedule();
      });
    }, RECONNECT_MILLIS);
    retry.unref();
  };
  await open();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
