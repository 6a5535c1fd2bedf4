/**
 * `sdata-sync demo` (what `npm start` runs): the demo applications crm and erp, the event logger, and an
 * engine syncing crm and erp both ways: an immediate route (each change pushed as it is committed, a
 * catch-up pass every 5 minutes as a safety net), or with `DEMO_IMMEDIATE=off` a scheduled route every few
 * seconds. `DEMO_ENGINE=off` leaves the engine out. The engine's HTTP listener (GET /routes, POST
 * /routes/{name}/$run, /metrics) is on port 3200, or ENGINE_PORT.
 */
import { Command } from 'commander';
import { parseConfig } from '../../config/load';
import { demoConfig } from '../../config/demo';
import { startServer } from '../../endpoint/server';
import { startEngine, type RunningEngine } from '../../engine/daemon';
import { startEngineListener, type EngineListener } from '../../engine/listener';
import { startLogger } from '../../logger/service';
import { createLog } from '../log';
import { onShutdown } from '../shutdown';

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the demo: crm and erp endpoints, the event logger and an engine syncing them both ways')
    .option('--every <seconds>', 'seconds between passes of the scheduled route (DEMO_IMMEDIATE=off)', '5')
    .action(async (o: { every: string }) => {
      const every = Math.max(1, Math.min(59, Number(o.every) || 5));
      const loggerPort = process.env.LOGGER_PORT ? Number(process.env.LOGGER_PORT) : undefined;
      const dashboardUrl = `http://localhost:${loggerPort ?? parseConfig(demoConfig).logger.port}/dashboard`;
      const base = parseConfig({ ...demoConfig, server: { ...demoConfig.server, dashboardUrl } });
      const log = createLog(base.log.level, 'sdata-sync demo');
      const server = await startServer(base, { log });
      const logger = await startLogger(base, { db: server.db, port: loggerPort, log });
      const crm = `${server.url}/sdata/crm/test/-`;
      const erp = `${server.url}/sdata/erp/test/-`;
      process.stdout.write(`crm: ${crm}\nerp: ${erp}\nevent logger: ${logger.url}/logs/runs and ${logger.url}/logs/events\ndashboard: ${logger.url}/dashboard\n`);
      let engine: RunningEngine | undefined;
      let listener: EngineListener | undefined;
      if ((process.env.DEMO_ENGINE ?? 'on').toLowerCase() !== 'off') {
        const immediate = (process.env.DEMO_IMMEDIATE ?? 'on').toLowerCase() !== 'off';
        const route = immediate
          ? { name: 'demo crm<->erp', source: crm, target: erp, direction: 'bothWays' as const, mode: 'immediate' as const }
          : { name: 'demo crm<->erp', source: crm, target: erp, direction: 'bothWays' as const, schedule: `*/${every} * * * * *` };
        const cfg = parseConfig({ ...demoConfig, engine: { loggers: [logger.ingestUrl], routes: [route] } });
        engine = await startEngine(cfg.engine, { log, runAtStart: true });
        listener = await startEngineListener(cfg, engine, { port: process.env.ENGINE_PORT ? Number(process.env.ENGINE_PORT) : undefined, log });
        process.stdout.write(`engine routes: ${listener.url}/routes\n`);
        process.stdout.write(immediate ? 'engine: crm <-> erp immediate (DEMO_IMMEDIATE=off for a pass every few seconds)\n' : `engine: crm <-> erp every ${every} s\n`);
      } else {
        process.stdout.write('engine: off (DEMO_ENGINE=off)\n');
      }
      onShutdown(async () => {
        await listener?.close();
        await engine?.stop();
        await logger.close();
        await server.close();
      }, log);
    });
}
