/** Structured JSON logs (pino) of every command, on stderr so that stdout carries the command's output. */
import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema';

export function createLog(level: Config['log']['level'] = 'info', name = 'sdata-sync'): Logger {
  return pino({ name, level }, pino.destination({ fd: 2, sync: true }));
}
