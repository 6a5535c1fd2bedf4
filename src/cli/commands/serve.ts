/** `sdata-sync serve`: its options; what it does is loaded when it runs (actions/serve.ts). */
import { Command } from 'commander';
import type { ServeCliOptions } from '../actions/serve';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the configured applications as SData sync endpoints')
    .option('--config <file>', 'configuration file (default: the built-in demo)')
    .option('--port <port>', 'port to listen on (else PORT, else server.port)')
    .action((o: ServeCliOptions) => (require('../actions/serve') as typeof import('../actions/serve')).runServe(o));
}
