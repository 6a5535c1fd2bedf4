/** Reads, merges and validates the configuration; an error names the bad key and the reason. */
import { readFileSync } from 'node:fs';
import { configSchema, type Config } from './schema';
import { logLevelOf } from './logLevel';
import { demoConfig } from './demo';
import { parseConfigDocument } from './issues';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates a configuration object; throws ConfigError listing every bad or unknown key with its reason. */
export function parseConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const result = parseConfigDocument(configSchema, withHashesFromEnvironment(input ?? {}, env));
  if ('problems' in result) throw new ConfigError(`invalid configuration:\n  ${result.problems.join('\n  ')}`);
  return applyEnvironment(result.data, env);
}

/**
 * A user of the security section may give `passwordHashEnv: VAR` instead of `passwordHash`: the hash is read
 * from that environment variable (a container gets it from its orchestrator's secrets, not from the file).
 */
function withHashesFromEnvironment(input: unknown, env: NodeJS.ProcessEnv): unknown {
  const users = (input as { security?: { users?: unknown } }).security?.users;
  if (!Array.isArray(users)) return input;
  const resolved = users.map((user: unknown, i) => {
    if (user === null || typeof user !== 'object' || !('passwordHashEnv' in user)) return user;
    const { passwordHashEnv, ...rest } = user as Record<string, unknown>;
    const at = `security.users.${i}`;
    if ('passwordHash' in rest) throw new ConfigError(`${at}: give passwordHash or passwordHashEnv, not both`);
    if (typeof passwordHashEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordHashEnv)) throw new ConfigError(`${at}.passwordHashEnv: must be an environment variable name`);
    const hash = env[passwordHashEnv];
    if (!hash) throw new ConfigError(`${at}.passwordHashEnv: the environment variable ${passwordHashEnv} is not set (its value is the output of sdata-sync hash-password)`);
    return { ...rest, passwordHash: hash };
  });
  const { security } = input as { security: Record<string, unknown> };
  return { ...(input as object), security: { ...security, users: resolved } };
}

/** Environment variables override the file: PORT, DATABASE_URL, DATA_DIR, PUBLIC_BASE_URL, LOG_LEVEL. */
function applyEnvironment(cfg: Config, env: NodeJS.ProcessEnv): Config {
  const out = structuredClone(cfg);
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT: '${env.PORT}' is not a port number`);
    out.server.port = port;
  }
  if (env.DATABASE_URL) out.storage.databaseUrl = env.DATABASE_URL;
  // The data folder of the process: the server's (storage) or the event logger's.
  if (env.DATA_DIR) out.storage.dataDir = out.logger.dataDir = env.DATA_DIR;
  if (env.PUBLIC_BASE_URL) out.server.publicBaseUrl = env.PUBLIC_BASE_URL;
  out.log.level = logLevelOf(env, out.log.level);
  return out;
}

/** Loads a YAML file, or the built-in demo when no file is given. */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): Config {
  if (!file) return parseConfig(demoConfig, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    // yaml is loaded only when a file is read (a command run without --config does not pay its load).
    doc = (require('yaml') as typeof import('yaml')).parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  return parseConfig(doc ?? {}, env);
}

export type { Config };
