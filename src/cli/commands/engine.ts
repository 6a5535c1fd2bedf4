/** `sdata-sync engine`: its options; what it does is loaded when it runs (actions/engine.ts). */
import { Command } from 'commander';
import type { EngineCliOptions } from '../actions/engine';

export function engineCommand(): Command {
  return new Command('engine')
    .description('run the sync engine: every route of the configuration on its cron schedule, and its HTTP listener (engine.http)')
    .requiredOption('--config <file>', 'configuration file with an engine section')
    .option('--run-at-start', 'run every route once at start')
    .action((o: EngineCliOptions) => (require('../actions/engine') as typeof import('../actions/engine')).runEngine(o));
}
