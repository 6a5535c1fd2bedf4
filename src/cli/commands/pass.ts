/** `sdata-sync pass`: its options; what it does is loaded when it runs (actions/pass.ts). */
import { Command } from 'commander';
import type { PassCliOptions } from '../actions/pass';
import { collect, httpUrl, positiveInteger } from '../usage';

export function passCommand(): Command {
  return new Command('pass')
    .description('run one catch-up pass from a source to a target (endpoint URLs, or application URLs for every kind in syncOrder)')
    .requiredOption('--source <url>', 'source endpoint or application URL', httpUrl)
    .requiredOption('--target <url>', 'target endpoint or application URL', httpUrl)
    .option('--log <url>', 'event logger URL given every result feed (repeatable)', collect(httpUrl))
    .option('--results', "also post result feeds to the source's $syncResults")
    .option('--run-name <name>', 'runName tagging every request of the pass', 'pass')
    .option('--kinds <names>', 'with application URLs: only these kinds (comma-separated)')
    .option('--page-size <n>', 'entries per page asked of the source', positiveInteger)
    .option('--stop-after-pages <n>', 'cut the pass after this many pages', positiveInteger)
    .option('--user <name>', 'send Basic credentials as this user to the source, the target and the loggers (password in SDATA_PASSWORD)')
    .option('--token-env <name>', 'send the token (JWT) held by this environment variable as Authorization: Bearer to the source, the target and the loggers')
    .option('--config <file>', 'configuration file (engine retry, polling and caFile settings)')
    .option('--json', 'print the summary as JSON')
    .action((o: PassCliOptions) => (require('../actions/pass') as typeof import('../actions/pass')).runPassCommand(o));
}
