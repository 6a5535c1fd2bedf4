/**
 * The endpoint server: an express app serving every endpoint of a configuration under /sdata, over one
 * database. `startServer` opens the database (unless given), runs the migrations, registers the endpoints
 * (store/endpoints.ts) and listens; `createApp` builds the app for a ready runtime (tests use it directly).
 */
import { expireContexts } from '../store/contexts';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request } from 'express';
import pino, { type Logger } from 'pino';
import { endpointDefs } from '../config/catalog';
import type { Config } from '../config/schema';
import { SDataError } from '../protocol/diagnosis';
import { openDatabase, type Db } from '../store/db';
import { runMigrations } from '../store/migrate';
import { registerEndpoints } from '../store/endpoints';
import { accessControl } from '../security/accessControl';
import { createHttpServer, schemeOf } from '../security/httpServer';
import { securityPolicy, type SecurityPolicy } from '../security/policy';
import { ENDPOINT_ROUTES } from '../security/roles';
import { errorMiddleware } from './errors';
import { endpointRouteOf } from './routeOf';
import { sdataRouter } from './router';
import { EndpointCatalog, type Runtime } from './runtime';

export function createApp(runtime: Runtime): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Who may call what is decided here, once, before any body is read or any handler runs.
  app.use(accessControl(runtime.security, ENDPOINT_ROUTES, (req) => endpointRouteOf(req.path)));
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
export async function prepareRuntime(cfg: Config, opts: { db?: Db; log?: Logger; security?: SecurityPolicy } = {}): Promise<Runtime> {
  const security = opts.security ?? securityPolicy(cfg.security, cfg.server.host);
  const log = opts.log ?? pino({ level: cfg.log.level, name: 'sdata-sync' });
  const db = opts.db ?? (await openDatabase({ databaseUrl: cfg.storage.databaseUrl, dataDir: cfg.storage.dataDir, migrate: false }));
  await runMigrations(db);
  const catalog = new EndpointCatalog(await registerEndpoints(db, endpointDefs(cfg)));
  return { cfg, db, log, catalog, security };
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
 * URLs are `http(s)://localhost:{port}` with the port actually bound (so port 0 gives real URLs). An open
 * server on a non-loopback address is refused before anything listens (security/policy.ts).
 */
export async function startServer(cfg: Config, opts: { db?: Db; port?: number; log?: Logger } = {}): Promise<RunningServer> {
  const security = securityPolicy(cfg.security, cfg.server.host);
  const server = createHttpServer(cfg.server.tls);
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
    runtime = await prepareRuntime({ ...cfg, server: { ...cfg.server, port } }, { ...opts, security });
  } catch (err) {
    server.close();
    throw err;
  }
  const app = createApp(runtime);
  server.on('request', app);
  const expiry = scheduleContextExpiry(runtime);
  const host = cfg.server.host.includes(':') ? `[${cfg.server.host}]` : cfg.server.host;
  return {
    url: `${schemeOf(cfg.server.tls)}://${host}:${port}`,
    port,
    app,
    db: runtime.db,
    runtime,
    async close() {
      clearInterval(expiry);
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
