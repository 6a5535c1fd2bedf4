/**
 * The sdata-sync command line: serve, migrate, pass, distribute, export, import, digest, engine, logger,
 * hash-password, demo, adapter (main.ts runs it).
 * Exit codes (printed by --help): 0 ok, 1 failed (a pass with failed entries, an error at run time), 2 bad
 * usage (unknown command or option, a bad option value, an invalid configuration).
 * Every command is declared here with its options (commands/); what it does, with the packages it needs, is
 * loaded only when it runs (actions/), so that a command starts without loading the others' code (a
 * `pass` loads no server, database or metrics code).
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../config/packageFiles';
import { adapterCommand } from './commands/adapter';
import { digestCommand, exportCommand, importCommand } from './commands/changeFiles';
import { demoCommand } from './commands/demo';
import { distributeCommand } from './commands/distribute';
import { engineCommand } from './commands/engine';
import { hashPasswordCommand } from './commands/hashPassword';
import { loggerCommand } from './commands/logger';
import { migrateCommand } from './commands/migrate';
import { passCommand } from './commands/pass';
import { serveCommand } from './commands/serve';
import { CommandExit, UsageError } from './usage';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/**
 * Errors that are bad usage (exit 2). The classes of configuration and security errors are looked up only
 * once a command has failed: their modules are loaded by the commands that can raise them, not at start.
 */
function isUsageError(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  const { ConfigError } = require('../config/load') as typeof import('../config/load');
  const { StartRefused } = require('../security/policy') as typeof import('../security/policy');
  return err instanceof ConfigError || err instanceof StartRefused;
}

const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT_OK}  ok
  ${EXIT_FAILED}  failed: a pass or an import with failed entries, a refused change file, an aborted
     distribution, an error at run time (an endpoint that cannot be reached)
  ${EXIT_USAGE}  bad usage: an unknown command or option, a missing or bad option value, an invalid
     configuration`;

function buildProgram(): Command {
  const program = new Command('sdata-sync')
    .description('SData-style Link & Sync endpoints, sync engine and event logger')
    .version(packageVersion(), '-V, --version', 'print the version of sdata-sync')
    .addHelpText('afterAll', EXIT_CODES_HELP)
    .showHelpAfterError()
    .exitOverride();
  for (const command of [serveCommand(), migrateCommand(), passCommand(), distributeCommand(), exportCommand(), importCommand(), digestCommand(), engineCommand(), loggerCommand(), hashPasswordCommand(), demoCommand(), adapterCommand()]) {
    program.addCommand(command.exitOverride());
  }
  return program;
}

/**
 * Reports the first unknown option of the command named by `argv` as unknown. Commander checks a command's
 * required options before its unknown ones, so that `pass --sorce URL` would be reported as a missing
 * --source: the options are read first by a copy of the program of their own (the values it parses are
 * dropped), and an unknown one is reported as commander reports it, with the closest known option.
 * The program's own options, and a command line asking for help, are left to commander.
 */
function refuseUnknownOptions(argv: string[]): void {
  let command = buildProgram();
  let rest = argv;
  for (let sub = command.commands.find((c) => c.name() === rest[0]); sub; sub = command.commands.find((c) => c.name() === rest[0])) {
    command = sub;
    rest = rest.slice(1);
  }
  if (!command.parent) return;
  const { unknown } = command.parseOptions(rest);
  const flag = unknown[0];
  if (flag === undefined || !flag.startsWith('-') || unknown.includes('--help') || unknown.includes('-h')) return;
  // Commander's own report (its message, exit code and suggestion); not in its typings.
  (command as unknown as { unknownOption(flag: string): never }).unknownOption(flag);
}

/** Runs the command line; resolves with the exit code of commands that end (daemons keep running). */
export async function main(argv: string[]): Promise<number> {
  try {
    refuseUnknownOptions(argv);
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommandExit) return err.code;
    if (err instanceof CommanderError) {
      // Commander has printed its message; help and version are not errors.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? EXIT_OK : EXIT_USAGE;
    }
    if (isUsageError(err)) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}
