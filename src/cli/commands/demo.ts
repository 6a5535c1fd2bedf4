/** `sdata-sync demo` (what `npm start` runs): its options; what it does is loaded when it runs (actions/demo.ts). */
import { Command } from 'commander';
import type { DemoCliOptions } from '../actions/demo';

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the demo: crm and erp endpoints, the event logger and an engine syncing them both ways')
    .option('--every <seconds>', 'seconds between passes of the scheduled route (DEMO_IMMEDIATE=off)', '5')
    .action((o: DemoCliOptions) => (require('../actions/demo') as typeof import('../actions/demo')).runDemo(o));
}
