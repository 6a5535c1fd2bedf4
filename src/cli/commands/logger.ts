/** `sdata-sync logger`: the event logger service. */
import { Command } from 'commander';
import { loadConfig } from '../../config/load';
import { startLogger } from '../../logger/service';
import { createLog } from '../log';
import { onShutdown } from '../shutdown';
import { UsageError } from '../usage';

function portOf(given: string | undefined): number | undefined {
  const v = given ?? process.env.LOGGER_PORT;
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`logger port '${v}' is not a port number`);
  return Number(v);
}

export function loggerCommand(): Command {
  return new Command('logger')
    .description('run the event logger (receives result feeds at /logs/$syncResults)')
    .option('--config <file>', 'configuration file')
    .option('--port <port>', 'port to listen on (else LOGGER_PORT, else logger.port)')
    .action(async (o: { config?: string; port?: string }) => {
      const port = portOf(o.port);
      const cfg = loadConfig(o.config);
      const log = createLog(cfg.log.level, 'sdata-sync logger');
      const logger = await startLogger(cfg, { port, log });
      process.stdout.write(`event logger at ${logger.url}, posting URL ${logger.ingestUrl}\n`);
      onShutdown(() => logger.close(), log);
    });
}
