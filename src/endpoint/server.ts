/**
 * The endpoint server: an express app serving every endpoint of a configuration under /sdata. Each endpoint
 * lives in a store: the server's own database, or for a table-backed kind the store of its table (another
 * database's adapter schema; store/tableBacked/stores.ts). `startServer` opens the database (unless given),
 * runs the migrations, checks the table-backed kinds' tables and capture, registers the endpoints in their
 * stores (store/endpoints.ts) and listens; `createApp` builds the app for a ready runtime (tests use it).
 */
import { expireContexts } from '../store/contexts';
import { abortExpiredBatches } from '../store/preparedBatches';
import express, { type Express, type Request } from 'express';
import pino, { type Logger } from 'pino';
import { endpointDefs } from '../config/catalog';
import { partitionConditions, partitionProblems } from '../query/partitionConditions';
import type { Config } from '../config/schema';
import { SDataError } from '../protocol/diagnosis';
import { openDatabase, pingDatabase, type Db } from '../store/db';
import { listenBehindGate } from '../http/listen';
import { runMigrations } from '../store/migrate';
import { registerEndpoints, type RegisteredEndpoint } from '../store/endpoints';
import { openTableStores, type TableStore } from '../store/tableBacked/stores';
import { verifyStore } from '../store/tableBacked/install';
import { keyDefaultOf, type AppTable } from '../store/tableBacked/appRows';
import { textBody } from '../http/textBody';
import { requestIdMiddleware } from '../http/requestId';
import { requestLog } from '../http/requestLog';
import { templateValues } from '../atom/templateXml';
import { ConfigError } from '../config/load';
import { accessControl } from '../security/accessControl';
import { securityPolicy, type SecurityPolicy } from '../security/policy';
import { ENDPOINT_ROUTES } from '../security/roles';
import { errorMiddleware } from './errors';
import { endpointRouteOf } from './routeOf';
import { sdataRouter } from './router';
import { getHome } from './home';
import { providerUrl } from './discovery';
import { EndpointCatalog, type Runtime } from './runtime';
import { DigestHub } from './notify/hub';
import { WorkInFlight } from '../http/workInFlight';
import { httpMetrics } from '../metrics/httpRequests';
import { metricsHandler } from '../metrics/registry';
import { serverMetrics } from '../metrics/server';
import { loginMetrics } from '../metrics/logins';
import { storableQuery } from '../http/storableQuery';

export function createApp(runtime: Runtime): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Every request has an id (the caller's X-Request-Id or a new one) for its log lines and its diagnoses.
  app.use(requestIdMiddleware());
  app.use(requestLog(runtime.log));
  // Counted first, so that refused requests are counted too.
  app.use(httpMetrics(runtime.metrics.registry, ENDPOINT_ROUTES, (req) => endpointRouteOf(req.path)));
  // Who may call what is decided here, once, before any body is read or any handler runs.
  app.use(accessControl(runtime.security, ENDPOINT_ROUTES, (req) => endpointRouteOf(req.path)));
  app.use(storableQuery());
  app.get('/metrics', metricsHandler(runtime.metrics.registry));
  // Bodies are read as checked UTF-8 text whatever their content type; the XML readers decide the rest.
  app.use(textBody(runtime.cfg.server.bodyLimitBytes));
  app.get('/', getHome(providerUrl(runtime), runtime.cfg.server.dashboardUrl));
  app.use(sdataRouter(runtime));
  app.use((req: Request) => {
    throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `nothing is served at ${req.path}; endpoints live under /sdata/` });
  });
  app.use(errorMiddleware(runtime.log));
  return app;
}

/**
 * Opens (or takes) the database, migrates it and registers the configuration's endpoints. A start refused
 * on the way closes what it opened (the database it was not given, the table stores), so that the process
 * that asked can end.
 */
export async function prepareRuntime(cfg: Config, opts: { db?: Db; log?: Logger; security?: SecurityPolicy } = {}): Promise<Runtime> {
  const security = opts.security ?? securityPolicy(cfg.security, cfg.server.host);
  const log = opts.log ?? pino({ level: cfg.log.level, name: 'sdata-sync' });
  const db = opts.db ?? (await openDatabase({ databaseUrl: cfg.storage.databaseUrl, dataDir: cfg.storage.dataDir, lockStaleSeconds: cfg.storage.lockStaleSeconds, pgliteSharedBuffersMB: cfg.storage.pglite.sharedBuffersMB, migrate: false }));
  try {
    return await prepareRuntimeIn(db, cfg, log, security);
  } catch (err) {
    if (!opts.db) await db.destroy();
    throw err;
  }
}

async function prepareRuntimeIn(db: Db, cfg: Config, log: Logger, security: SecurityPolicy): Promise<Runtime> {
  await runMigrations(db);
  // A partition expression that does not check against its kind stops the start, naming it.
  const partitionErrors = partitionProblems(cfg);
  if (partitionErrors.length > 0) throw new ConfigError(`invalid configuration:\n  ${partitionErrors.join('\n  ')}`);
  const defs = endpointDefs(cfg);
  // A configured default that does not fit its property's type stops the start, naming the property.
  for (const d of defs) {
    try {
      templateValues(d.kind, d.app);
    } catch (err) {
      throw new ConfigError(`application ${d.app.name}: ${(err as Error).message}`);
    }
  }
  const tableStores = await openTableStores(cfg, db);
  let catalog: EndpointCatalog;
  const stores = [db, ...tableStores.stores.map((s) => s.db).filter((s) => s !== db)];
  try {
    catalog = new EndpointCatalog(await registerAll(db, defs, tableStores.stores));
    // A server stopped between a prepare and its commit finds the batches whose timeout has passed aborted.
    for (const store of stores) await abortExpiredBatches(store);
  } catch (err) {
    await tableStores.close();
    throw err;
  }
  const digestHub = new DigestHub({ coalesceMillis: cfg.sync.notifyCoalesceMillis, heartbeatSeconds: cfg.sync.heartbeatSeconds, maxListeners: cfg.sync.maxNotifyListeners }, log);
  const metrics = serverMetrics(stores, () => catalog.endpoints);
  loginMetrics(metrics.registry, security.loginCounts);
  return { cfg, db, stores, closeStores: () => tableStores.close(), log, catalog, digestHub, work: new WorkInFlight(), security, metrics };
}

/**
 * Registers every endpoint in its store, in configuration order: a table-backed kind's in the store of its
 * table, after the live check of its table and of the capture installed on it (else the start is refused:
 * `adapter install` was not run, or not since the configuration changed).
 */
async function registerAll(db: Db, defs: ReturnType<typeof endpointDefs>, tableStores: TableStore[]): Promise<RegisteredEndpoint[]> {
  const inTables = new Set(tableStores.flatMap((s) => s.endpoints.map((e) => e.def.url)));
  const registered = await registerEndpoints(db, defs.filter((d) => !inTables.has(d.url)));
  for (const store of tableStores) {
    const live = await verifyStore(store);
    if (!store.shared) await runMigrations(store.db);
    const ofStore = await registerEndpoints(store.db, store.endpoints.map((e) => e.def));
    for (const [i, e] of store.endpoints.entries()) {
      const siblings = (kind: string) => ofStore.find((o) => o.def.app === e.def.app && o.def.kind.name === kind);
      const referenced: AppTable['referenced'] = {};
      for (const c of e.mapping.columns) if (c.referencedKind) referenced[c.property] = siblings(c.referencedKind)!.id;
      ofStore[i].table = { mapping: e.mapping, endpointId: ofStore[i].id, referenced, keyDefault: keyDefaultOf(live.get(e.def.url)!) };
    }
    registered.push(...ofStore);
  }
  const order = new Map(defs.map((d, i) => [d.url, i]));
  return withPartitionSets(registered.sort((a, b) => order.get(a.url)! - order.get(b.url)!));
}

/** Gives a partitioned kind's endpoint and each of its partitions' the kind's partitions (PROTOCOL.md 2.9). */
function withPartitionSets(registered: RegisteredEndpoint[]): RegisteredEndpoint[] {
  for (const kind of registered) {
    if (kind.def.partition || !kind.def.kind.partitions) continue;
    const conditions = partitionConditions(kind.def.app, kind.def.kind);
    const members = registered
      .filter((e) => e.def.partition?.kindUrl === kind.url)
      .map((e) => ({ id: e.id, url: e.url, where: e.def.partition!.where, condition: conditions[e.def.partition!.index] }));
    const set = { kindId: kind.id, kindUrl: kind.url, priority: kind.def.priority, members };
    kind.partitions = set;
    for (const e of registered) if (e.def.partition?.kindUrl === kind.url) e.partitions = set;
  }
  return registered;
}

export interface RunningServer {
  url: string;
  port: number;
  app: Express;
  db: Db;
  runtime: Runtime;
  /**
   * Graceful stop: listens no more, lets the work in flight finish (requests are answered, pages applied
   * after their 202 are committed) within `server.shutdownGraceSeconds`, then closes the connections and the
   * database.
   */
  close(): Promise<void>;
}

/**
 * Listens first, then registers the endpoints: when the configuration gives no public base URL, endpoint
 * URLs are `http(s)://localhost:{port}` with the port actually bound (so port 0 gives real URLs). Until the
 * runtime is ready, the start-up gate answers every request (503, /healthz, /readyz; http/listen.ts). An
 * open server on a non-loopback address is refused before anything listens (security/policy.ts).
 */
export async function startServer(cfg: Config, opts: { db?: Db; port?: number; log?: Logger } = {}): Promise<RunningServer> {
  const security = securityPolicy(cfg.security, cfg.server.host);
  const listening = await listenBehindGate({ tls: cfg.server.tls, host: cfg.server.host, port: opts.port ?? cfg.server.port });
  const { port } = listening;
  let runtime: Runtime;
  try {
    runtime = await prepareRuntime({ ...cfg, server: { ...cfg.server, port } }, { ...opts, security });
  } catch (err) {
    listening.failed();
    throw err;
  }
  const app = createApp(runtime);
  listening.ready(app, async () => {
    for (const store of runtime.stores) await pingDatabase(store);
  });
  const expiry = scheduleContextExpiry(runtime);
  const batchSweep = scheduleBatchAborts(runtime);
  return {
    url: listening.url,
    port,
    app,
    db: runtime.db,
    runtime,
    async close() {
      await listening.close({
        graceMillis: runtime.cfg.server.shutdownGraceSeconds * 1000,
        work: runtime.work,
        log: runtime.log,
        ending: async () => {
          clearInterval(expiry);
          clearInterval(batchSweep);
          // Notification streams never end by themselves: ended first, so that they do not hold the stop.
          await runtime.digestHub.close();
        },
      });
      await runtime.closeStores();
      if (!opts.db) await runtime.db.destroy();
    },
  };
}

/** Deletes idle async contexts every so often (at most once a minute, at least once per idle period). */
function scheduleContextExpiry(runtime: Runtime): NodeJS.Timeout {
  const idle = runtime.cfg.sync.contextIdleSeconds;
  const timer = setInterval(() => {
    for (const store of runtime.stores) expireContexts(store, idle).catch((err: unknown) => runtime.log.warn({ err }, 'expiring idle contexts failed'));
  }, Math.min(60, idle) * 1000);
  timer.unref();
  return timer;
}

/** Aborts prepared two-phase batches whose timeout has passed, every `sync.preparedSweepMillis`. */
function scheduleBatchAborts(runtime: Runtime): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (const store of runtime.stores) abortExpiredBatches(store).catch((err: unknown) => runtime.log.warn({ err }, 'aborting expired prepared batches failed'));
  }, runtime.cfg.sync.preparedSweepMillis);
  timer.unref();
  return timer;
}
