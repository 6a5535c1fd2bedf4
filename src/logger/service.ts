/**
 * Starts the event logger as a service: it listens first (http/listen.ts: the start-up gate answers
 * /healthz, /readyz and 503 meanwhile), then opens its database (its own, or one it is given), attaches the
 * HTTP app, starts the retention timer that deletes events and runs older than `logger.retentionDays`, and
 * the observer of the endpoints its runs name (`logger.observe`, read by the dashboard and the alert rules).
 */
import { securityPolicy, type SecurityPolicy } from '../security/policy';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { listenBehindGate, type Listening } from '../http/listen';
import { openDatabase, pingDatabase, type Db } from '../store/db';
import { createLoggerApp, type LoggerApp } from './app';
import { pruneBefore } from './store';

export interface RunningLogger {
  /** Base URL, e.g. http://127.0.0.1:3100 */
  url: string;
  /** Where engines post result feeds: `{url}/logs/$syncResults`. */
  ingestUrl: string;
  port: number;
  app: LoggerApp['app'];
  db: Db;
  /** Resolves when the webhook calls started so far have ended. */
  idle(): Promise<void>;
  /** Deletes what is older than the retention now (also done on a timer). */
  prune(): Promise<{ events: number; runs: number }>;
  close(): Promise<void>;
}

export interface StartLoggerOptions {
  /** Use this database (e.g. the demo shares the endpoint server's) instead of opening one. */
  db?: Db;
  port?: number;
  log?: Logger;
}

export async function startLogger(cfg: Config, opts: StartLoggerOptions = {}): Promise<RunningLogger> {
  const lc = cfg.logger;
  const security = securityPolicy(cfg.security, lc.host, 'event logger');
  const ownDb = !opts.db;
  const listening = await listenBehindGate({ tls: lc.tls, host: lc.host, port: opts.port ?? lc.port, urlHost: 'localhost' });
  const url = (lc.publicBaseUrl ?? listening.url).replace(/\/+$/, '');
  let db: Db | undefined;
  try {
    db = opts.db ?? (await openDatabase({ databaseUrl: lc.databaseUrl ?? cfg.storage.databaseUrl, dataDir: lc.dataDir, lockStaleSeconds: cfg.storage.lockStaleSeconds, pgliteSharedBuffersMB: cfg.storage.pglite.sharedBuffersMB }));
    return await serveLogger(db, cfg, { ...opts, listening, url, security, ownDb });
  } catch (err) {
    // A refused start closes what it opened, so that the process that asked can end.
    listening.failed();
    if (ownDb) await db?.destroy();
    throw err;
  }
}

interface Started {
  listening: Listening;
  url: string;
  security: SecurityPolicy;
  ownDb: boolean;
  log?: Logger;
}

/** The logger on its open database: the app behind the gate, a first retention pass, then its timer and the observer. */
async function serveLogger(db: Db, cfg: Config, { listening, url, security, ownDb, log }: Started): Promise<RunningLogger> {
  const lc = cfg.logger;
  const logger = createLoggerApp({ db, cfg: lc, baseUrl: () => url, security, log, xmlLimits: cfg.xml });
  const prune = async () => {
    const cutoff = new Date(Date.now() - lc.retentionDays * 86_400_000);
    const removed = await pruneBefore(db, cutoff);
    if (removed.events + removed.runs > 0) log?.info({ ...removed, cutoff: cutoff.toISOString() }, 'old events deleted');
    return removed;
  };
  await prune();
  const timer = setInterval(() => void prune().catch((err) => log?.warn({ err: (err as Error).message }, 'retention pass failed')), lc.pruneIntervalSeconds * 1000);
  timer.unref();
  listening.ready(logger.app, () => pingDatabase(db));
  logger.monitor.start();

  return {
    url,
    ingestUrl: `${url}/logs/$syncResults`,
    port: listening.port,
    app: logger.app,
    db,
    idle: logger.idle,
    prune,
    close: async () => {
      // The posts in flight are short: the stop waits for them without a bound.
      await listening.close({
        graceMillis: Infinity,
        ending: async () => {
          clearInterval(timer);
          await logger.monitor.stop();
        },
      });
      await logger.idle();
      if (ownDb) await db.destroy();
    },
  };
}
