/**
 * The endpoint server: an express app serving every endpoint of a configuration under /sdata, over one
 * database. `startServer` opens the database (unless given), runs the migrations, registers the endpoints
 * (store/endpoints.ts) and listens; `createApp` builds the app for a ready runtime (tests use it directly).
 */
import { expireContexts } from '../store/contexts';
import { abortExpiredBatches } from '../store/preparedBatches';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import express, { type Express, type Request } from 'express';
import pino, { type Logger } from 'pino';
import { endpointDefs } from '../config/catalog';
import type { Config } from '../config/schema';
import { SDataError } from '../protocol/diagnosis';
import { openDatabase, type Db } from '../store/db';
import { runMigrations } from '../store/migrate';
import { registerEndpoints } from '../store/endpoints';
import { errorMiddleware } from './errors';
import { sdataRouter } from './router';
import { EndpointCatalog, type Runtime } from './runtime';

export function createApp(runtime: Runtime): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Bodies are read as raw text whatever their content type (clients send `application/atom+xml;type=entry`,
  // `text/xml`, or nothing); the XML readers decide what is acceptable.
  app.use(express.text({ type: () => true, limit: runtime.cfg.server.bodyLimitBytes, defaultCharset: 'utf-8' }));
  app.use(sdataRouter(runtime));
  app.use((req: Request) => {
    throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `nothing is served at ${req.path}; endpoints live under /sdata/` });
  });
  app.use(errorMiddleware(runtime.log));
  return app;
}

/** Opens (or takes) the database, migrates it and registers the configuration's endpoints. */
export async function prepareRuntime(cfg: Config, opts: { db?: Db; log?: Logger } = {}): Promise<Runtime> {
  const log = opts.log ?? pino({ level: cfg.log.level, name: 'sdata-sync' });
  const db = opts.db ?? (await openDatabase({ databaseUrl: cfg.storage.databaseUrl, dataDir: cfg.storage.dataDir, migrate: false }));
  await runMigrations(db);
  const catalog = new EndpointCatalog(await registerEndpoints(db, endpointDefs(cfg)));
  // A server stopped between a prepare and its commit finds the batches whose timeout has passed aborted.
  await abortExpiredBatches(db);
  return { cfg, db, log, catalog };
}

export interface RunningServer {
  url: string;
  port: number;
  app: Express;
  db: Db;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * Listens first, then registers the endpoints: when the configuration gives no public base URL, endpoint
 * URLs are `http://localhost:{port}` with the port actually bound (so port 0 gives real URLs).
 */
export async function startServer(cfg: Config, opts: { db?: Db; port?: number; log?: Logger } = {}): Promise<RunningServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? cfg.server.port, cfg.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let runtime: Runtime;
  try {
    runtime = await prepareRuntime({ ...cfg, server: { ...cfg.server, port } }, opts);
  } catch (err) {
    server.close();
    throw err;
  }
  const app = createApp(runtime);
  server.on('request', app);
  const expiry = scheduleContextExpiry(runtime);
  const batchSweep = scheduleBatchAborts(runtime);
  const host = cfg.server.host.includes(':') ? `[${cfg.server.host}]` : cfg.server.host;
  return {
    url: `http://${host}:${port}`,
    port,
    app,
    db: runtime.db,
    runtime,
    async close() {
      clearInterval(expiry);
      clearInterval(batchSweep);
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      if (!opts.db) await runtime.db.destroy();
    },
  };
}

/** Deletes idle async contexts every so often (at most once a minute, at least once per idle period). */
function scheduleContextExpiry(runtime: Runtime): NodeJS.Timeout {
  const idle = runtime.cfg.sync.contextIdleSeconds;
  const timer = setInterval(() => {
    expireContexts(runtime.db, idle).catch((err: unknown) => runtime.log.warn({ err }, 'expiring idle contexts failed'));
  }, Math.min(60, idle) * 1000);
  timer.unref();
  return timer;
}

/** Aborts prepared two-phase batches whose timeout has passed, every `sync.preparedSweepMillis`. */
function scheduleBatchAborts(runtime: Runtime): NodeJS.Timeout {
  const timer = setInterval(() => {
    abortExpiredBatches(runtime.db).catch((err: unknown) => runtime.log.warn({ err }, 'aborting expired prepared batches failed'));
  }, runtime.cfg.sync.preparedSweepMillis);
  timer.unref();
  return timer;
}
