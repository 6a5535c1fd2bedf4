/**
 * What `sdata-sync demo` does (what `npm start` runs; its options: commands/demo.ts): the demo applications crm and erp, the event logger, and an
 * engine syncing crm and erp both ways: an immediate route (each change pushed as it is committed, a
 * catch-up pass every 5 minutes as a safety net), or with `DEMO_IMMEDIATE=off` a scheduled route every few
 * seconds. `DEMO_ENGINE=off` leaves the engine out. Ports: the server's 3000 (PORT), the logger's 3100
 * (LOGGER_PORT), the engine's HTTP listener (GET /routes, POST /routes/{name}/$run, /metrics) 3200
 * (ENGINE_PORT); all are checked free before anything starts. The logger shares the server's database (one
 * process, one PGlite folder).
 */
import { parseConfig } from '../../config/load';
import { demoConfig } from '../../config/demo';
import { startServer } from '../../endpoint/server';
import { startEngine } from '../../engine/daemon';
import { startEngineListener } from '../../engine/listener';
import { startLogger } from '../../logger/service';
import { createLog } from '../log';
import { checkPortsFree, portValue } from '../ports';
import { onShutdown } from '../shutdown';

export interface DemoCliOptions {
  every: string;
}

export async function runDemo(o: DemoCliOptions): Promise<void> {
  const every = Math.max(1, Math.min(59, Number(o.every) || 5));
  const withEngine = (process.env.DEMO_ENGINE ?? 'on').toLowerCase() !== 'off';
  const defaults = parseConfig(demoConfig);
  const loggerPort = portValue('LOGGER_PORT', process.env.LOGGER_PORT) ?? defaults.logger.port;
  const enginePort = portValue('ENGINE_PORT', process.env.ENGINE_PORT) ?? defaults.engine.http.port;
  const dashboardUrl = `http://localhost:${loggerPort}/dashboard`;
  // The dashboard shows the engine's routes by name and acts on them through its listener.
  const engines = withEngine ? [`http://${defaults.engine.http.host}:${enginePort}`] : [];
  const base = parseConfig({ ...demoConfig, server: { ...demoConfig.server, dashboardUrl }, logger: { ...demoConfig.logger, engines } });
  // Every port is checked before anything starts: the demo starts whole or not at all.
  await checkPortsFree([
    { port: base.server.port, host: base.server.host, setBy: 'PORT' },
    { port: loggerPort, host: base.logger.host, setBy: 'LOGGER_PORT' },
    ...(withEngine ? [{ port: enginePort, host: base.engine.http.host, setBy: 'ENGINE_PORT' }] : []),
  ]);
  const log = createLog(base.log.level, 'sdata-sync demo');
  // What has started, stopped in the reverse order (at a signal, or when a later part fails to start).
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  try {
    const server = await startServer(base, { log });
    started.push(() => server.close());
    const logger = await startLogger(base, { db: server.db, port: loggerPort, log });
    started.push(() => logger.close());
    const crm = `${server.url}/sdata/crm/test/-`;
    const erp = `${server.url}/sdata/erp/test/-`;
    process.stdout.write(`crm: ${crm}\nerp: ${erp}\nevent logger: ${logger.url}/logs/runs and ${logger.url}/logs/events\ndashboard: ${logger.url}/dashboard\n`);
    if (withEngine) {
      const immediate = (process.env.DEMO_IMMEDIATE ?? 'on').toLowerCase() !== 'off';
      const route = immediate
        ? { name: 'demo crm<->erp', source: crm, target: erp, direction: 'bothWays' as const, mode: 'immediate' as const }
        : { name: 'demo crm<->erp', source: crm, target: erp, direction: 'bothWays' as const, schedule: `*/${every} * * * * *` };
      const cfg = parseConfig({ ...demoConfig, engine: { loggers: [logger.ingestUrl], routes: [route] } });
      const engine = await startEngine(cfg.engine, { log, runAtStart: true });
      started.push(() => engine.stop());
      const listener = await startEngineListener(cfg, engine, { port: enginePort, log });
      started.push(() => listener.close());
      process.stdout.write(`engine routes: ${listener.url}/routes\n`);
      process.stdout.write(immediate ? 'engine: crm <-> erp immediate (DEMO_IMMEDIATE=off for a pass every few seconds)\n' : `engine: crm <-> erp every ${every} s\n`);
    } else {
      process.stdout.write('engine: off (DEMO_ENGINE=off)\n');
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  onShutdown(stopAll, log);
}
