/** The engine's HTTP client as the CLI commands build it: retry, polling and request timeout from the configuration. */
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { SDataClient } from '../engine/http';

export function engineClient(cfg: Config, runName: string, log: Logger): SDataClient {
  const e = cfg.engine;
  return new SDataClient({ run: { runName, runStamp: new Date().toISOString() }, retry: e.retry, poll: e.poll, requestTimeoutMillis: e.requestTimeoutSeconds * 1000, log });
}
