/** What `sdata-sync logger` does (its options: commands/logger.ts): the event logger service. */
import { loadConfig } from '../../config/load';
import { startLogger } from '../../logger/service';
import { createLog } from '../log';
import { checkPortsFree, portValue } from '../ports';
import { onShutdown } from '../shutdown';

export interface LoggerCliOptions {
  config?: string;
  port?: string;
}

export async function runLogger(o: LoggerCliOptions): Promise<void> {
  const port = portValue('--port', o.port) ?? portValue('LOGGER_PORT', process.env.LOGGER_PORT);
  const cfg = loadConfig(o.config);
  await checkPortsFree([{ port: port ?? cfg.logger.port, host: cfg.logger.host, setBy: port === undefined ? 'logger.port' : o.port !== undefined ? '--port' : 'LOGGER_PORT' }]);
  const log = createLog(cfg.log.level, 'sdata-sync logger');
  const logger = await startLogger(cfg, { port, log });
  process.stdout.write(`event logger at ${logger.url}, posting URL ${logger.ingestUrl}\n`);
  onShutdown(() => logger.close(), log);
}
