/** `sdata-sync logger`: its options; what it does is loaded when it runs (actions/logger.ts). */
import { Command } from 'commander';
import type { LoggerCliOptions } from '../actions/logger';

export function loggerCommand(): Command {
  return new Command('logger')
    .description('run the event logger (receives result feeds at /logs/$syncResults)')
    .option('--config <file>', 'configuration file')
    .option('--port <port>', 'port to listen on (else LOGGER_PORT, else logger.port)')
    .action((o: LoggerCliOptions) => (require('../actions/logger') as typeof import('../actions/logger')).runLogger(o));
}
