/** `sdata-sync adapter install|remove`: their options; what they do is loaded when they run (actions/adapter.ts). */
import { Command } from 'commander';
import type { AdapterCliOptions } from '../actions/adapter';

const actions = () => require('../actions/adapter') as typeof import('../actions/adapter');

export function adapterCommand(): Command {
  const adapter = new Command('adapter').description("change capture of table-backed kinds in the application's database");
  adapter
    .command('install')
    .exitOverride()
    .description('check the tables, create the adapter schema, sync states for existing rows and the capture triggers (idempotent)')
    .requiredOption('--config <file>', 'configuration file')
    .action((o: AdapterCliOptions) => actions().runAdapterInstall(o));
  adapter
    .command('remove')
    .exitOverride()
    .description('drop the capture triggers and the adapter schema with everything in it (idempotent)')
    .requiredOption('--config <file>', 'configuration file')
    .action((o: AdapterCliOptions) => actions().runAdapterRemove(o));
  return adapter;
}
