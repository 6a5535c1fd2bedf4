/** `sdata-sync distribute`: its options; what it does is loaded when it runs (actions/distribute.ts). */
import { Command } from 'commander';
import type { DistributeCliOptions } from '../actions/distribute';
import { TOKEN_ENV_OPTION_HELP, USER_OPTION_HELP } from '../credentialHelp';
import { collect, durationSeconds, httpUrl, positiveInteger } from '../usage';

export function distributeCommand(): Command {
  return new Command('distribute')
    .description('distribute one source endpoint to several targets: an ordinary pass to each, or --two-phase (every target or none)')
    .option('--source <url>', 'source endpoint URL', httpUrl)
    .option('--targets <urls>', 'target endpoint URLs, comma-separated')
    .option('--two-phase', 'prepare on every target and commit only when all Ack within the timeout; else abort everywhere')
    .option('--timeout <duration>', 'two-phase: time for every target to Ack (30s, 500ms, 2m)', durationSeconds)
    .option('--name <name>', 'run the distribution of this name from engine.distributions in --config (targets, clusters, phases)')
    .option('--config <file>', 'configuration file (engine.distributions, retry and polling settings, loggers)')
    .option('--user <name>', USER_OPTION_HELP)
    .option('--token-env <name>', TOKEN_ENV_OPTION_HELP)
    .option('--log <url>', 'event logger URL given the distribution record (repeatable)', collect(httpUrl))
    .option('--run-name <name>', 'runName tagging every request (default: the distribution name)')
    .option('--page-size <n>', 'entries per page asked of the source', positiveInteger)
    .option('--json', 'print each distribution summary as JSON')
    .action((o: DistributeCliOptions) => (require('../actions/distribute') as typeof import('../actions/distribute')).runDistributeCommand(o));
}
