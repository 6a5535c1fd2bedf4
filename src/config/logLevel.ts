/** The log level of a process: LOG_LEVEL overrides the configuration's (config/load.ts, config/commandSettings.ts). */
import type { Config } from './schema';

export function logLevelOf(env: NodeJS.ProcessEnv, level: Config['log']['level']): Config['log']['level'] {
  return env.LOG_LEVEL ? (env.LOG_LEVEL as Config['log']['level']) : level;
}
