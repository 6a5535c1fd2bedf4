/**
 * Change files for disconnected sites, `export`, `import` and `digest`: their options; what they do is
 * loaded when they run (actions/changeFiles.ts). Exit 0 ok, 1 a file refused or a request failed, 2 bad usage.
 */
import { Command } from 'commander';
import type { DigestCliOptions, ExportCliOptions, ImportCliOptions } from '../actions/changeFiles';
import { TOKEN_ENV_OPTION_HELP, USER_OPTION_HELP } from '../credentialHelp';
import { httpUrl, positiveInteger } from '../usage';

const actions = () => require('../actions/changeFiles') as typeof import('../actions/changeFiles');

export function exportCommand(): Command {
  return new Command('export')
    .description("write a source's changes since a floor digest as numbered sync-feed files (each with a .sha256 beside it)")
    .requiredOption('--source <url>', 'source endpoint URL', httpUrl)
    .requiredOption('--floor <file|url>', 'what the other site has: a file written by `digest`, or its endpoint URL')
    .requiredOption('--out <dir>', 'folder for the files (created; must hold no change files yet)')
    .option('--gzip', 'write the files gzipped (NNNNNN.xml.gz)')
    .option('--page-size <n>', 'entries per file', positiveInteger)
    .option('--config <file>', 'configuration file (engine retry and polling settings)')
    .option('--user <name>', USER_OPTION_HELP)
    .option('--token-env <name>', TOKEN_ENV_OPTION_HELP)
    .action((o: ExportCliOptions) => actions().runExport(o));
}

export function importCommand(): Command {
  return new Command('import')
    .description('post change files to a target, in number order from an export folder or in the order given (every file is checked first; a file that does not follow the target is refused with SyncGap)')
    .requiredOption('--target <url>', 'target endpoint URL', httpUrl)
    .argument('<paths...>', "the export's folder (its change files in number order), or change files in order; .sha256 files are skipped")
    .option('--config <file>', 'configuration file (engine retry and polling settings)')
    .option('--user <name>', USER_OPTION_HELP)
    .option('--token-env <name>', TOKEN_ENV_OPTION_HELP)
    .action((paths: string[], o: ImportCliOptions) => actions().runImport(paths, o));
}

export function digestCommand(): Command {
  return new Command('digest')
    .description("write an endpoint's digest to a file (the --floor of the other site's export)")
    .requiredOption('--endpoint <url>', 'endpoint URL', httpUrl)
    .requiredOption('--out <file>', 'file to write')
    .option('--config <file>', 'configuration file (engine retry and polling settings)')
    .option('--user <name>', USER_OPTION_HELP)
    .option('--token-env <name>', TOKEN_ENV_OPTION_HELP)
    .action((o: DigestCliOptions) => actions().runDigest(o));
}
