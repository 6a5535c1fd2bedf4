/**
 * Structured JSON logs (pino) of every command, on stderr so that stdout carries the command's output; a
 * command that shows progress on stderr logs through its view (progress.ts), so that a line is never drawn
 * through the bar.
 */
import pino, { type Logger } from 'pino';
import type { CommandSettings } from '../config/commandSettings';
import type { Config } from '../config/schema';

/** Where log lines go instead of stderr itself: each write is one whole line. */
export interface LogLines {
  write(line: string): void;
}

export function createLog(level: Config['log']['level'] = 'info', name = 'sdata-sync', lines?: LogLines): Logger {
  return pino({ name, level }, lines ?? pino.destination({ fd: 2, sync: true }));
}

/** The log of a command that prints its own results: the configured level, but `info` quietened to `warn`. */
export function commandLog(cfg: Pick<CommandSettings, 'log'>, name: string, lines?: LogLines): Logger {
  return createLog(cfg.log.level === 'info' ? 'warn' : cfg.log.level, name, lines);
}
