/**
 * The settings of the commands that work as a client of endpoints (pass, distribute, export, import,
 * digest): the engine section and the log level. With a file they are read as every command reads its
 * configuration (config/load.ts: YAML, the whole file validated); without one they are the defaults, and
 * nothing is parsed: a pass that a scheduler starts again and again loads neither the validation (zod) nor
 * the YAML code.
 */
import { logLevelOf } from './logLevel';
import type { Config } from './schema';

export type CommandSettings = Pick<Config, 'engine' | 'log'>;

/**
 * What the configuration schema gives `engine` and `log` for an empty file (test/config/commandSettings.test.ts
 * holds the two equal: a default added to the schema fails that test until it is added here).
 */
export const DEFAULT_COMMAND_SETTINGS: Readonly<CommandSettings> = {
  engine: {
    http: { host: '127.0.0.1', port: 3200 },
    loggers: [],
    loggerQueueSize: 1000,
    postResults: false,
    passAttempts: 3,
    requestTimeoutSeconds: 300,
    retry: { attempts: 6, startingDelayMillis: 200, maxDelayMillis: 10_000 },
    poll: { minMillis: 5, maxMillis: 5000, timeoutSeconds: 600 },
    watch: { pollSeconds: 15, retryMillis: 500 },
    routes: [],
    distributions: [],
  },
  log: { level: 'info' },
};

/** The engine section and log level of configuration `file`, or the defaults when no file is given. */
export function loadCommandSettings(file: string | undefined, env: NodeJS.ProcessEnv = process.env): CommandSettings {
  if (file !== undefined) {
    const { engine, log } = (require('./load') as typeof import('./load')).loadConfig(file, env);
    return { engine, log };
  }
  const { engine } = structuredClone(DEFAULT_COMMAND_SETTINGS);
  return { engine, log: { level: logLevelOf(env, DEFAULT_COMMAND_SETTINGS.log.level) } };
}
