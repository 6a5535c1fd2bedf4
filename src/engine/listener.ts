/**
 * The engine's HTTP listener (`engine.http`): the app of httpApi.ts behind the start-up gate (health probes
 * answered first, without credentials), with the security policy of the configuration's `security` section
 * (an engine listening on a public address with no users refuses to start, as the server does).
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { StartupGate } from '../http/startup';
import { createHttpServer } from '../security/httpServer';
import { schemeOf } from '../config/securitySchema';
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
  const gate = new StartupGate();
  const server = createHttpServer(http.tls).on('request', gate.listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? http.port, http.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = http.host.includes(':') ? `[${http.host}]` : http.host;
  const url = `${schemeOf(http.tls)}://${host}:${port}`;
  const app = createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security, baseUrl: () => url, log: opts.log });
  // The engine has no database of its own to ask: it is ready once its routes are set up.
  gate.ready(app, async () => undefined);
  return {
    url,
    port,
    async close() {
      gate.stopping();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
