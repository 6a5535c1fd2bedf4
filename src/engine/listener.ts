/**
 * The engine's HTTP listener (`engine.http`): the app of httpApi.ts behind the start-up gate of
 * http/listen.ts (health probes answered first, without credentials), with the security policy of the
 * configuration's `security` section (an engine listening on a public address with no users refuses to
 * start, as the server does).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { listenBehindGate } from '../http/listen';
import { securityPolicy } from '../security/policy';
import { loginMetrics } from '../metrics/logins';
import type { RunningEngine } from './daemon';
import { createEngineApp } from './httpApi';

export interface EngineListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEngineListener(cfg: Pick<Config, 'engine' | 'security'>, engine: RunningEngine, opts: { port?: number; log?: Logger } = {}): Promise<EngineListener> {
  const http = cfg.engine.http;
  const security = securityPolicy(cfg.security, http.host, 'engine');
  loginMetrics(engine.metrics.registry, security.loginCounts);
  const listening = await listenBehindGate({ tls: http.tls, host: http.host, port: opts.port ?? http.port });
  const { url, port } = listening;
  const app = createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security, baseUrl: () => url, log: opts.log });
  // The engine has no database of its own to ask: it is ready once its routes are set up.
  listening.ready(app, async () => undefined);
  return {
    url,
    port,
    // Its answers take no time (a $run only starts a pass): the stop waits for none of them.
    close: () => listening.close({ graceMillis: 0 }),
  };
}
