/** Structured JSON logs (pino) of every command, on stderr so that stdout carries the command's output. */
import pino, { type Logger } from 'pino';
import type { CommandSettings } from '../config/commandSettings';
import type { Config } from '../config/schema';

export function createLog(level: Config['log']['level'] = 'info', name = 'sdata-sync'): Logger {
  return pino({ name, level }, pino.destination({ fd: 2, sync: true }));
}

/** The log of a command that prints its own results: the configured level, but `info` quietened to `warn`. */
export function commandLog(cfg: Pick<CommandSettings, 'log'>, name: string): Logger {
  return createLog(cfg.log.level === 'info' ? 'warn' : cfg.log.level, name);
}
