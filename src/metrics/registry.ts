/**
 * One Prometheus registry per process part (server, logger, engine), never prom-client's global default:
 * several apps started in one process (the demo, tests) each expose their own metrics. Each registry also
 * holds the Node process metrics prom-client collects (`sdata_process_*`, `sdata_nodejs_*`).
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';

export type Service = 'server' | 'logger' | 'engine';

export function serviceRegistry(service: Service): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'sdata_' });
  return registry;
}

/** GET /metrics: the registry in the Prometheus text format (collected now: scrape-time gauges run here). */
export function metricsHandler(registry: Registry): RequestHandler {
  return (_req, res, next) => {
    registry.metrics().then((text) => {
      res.status(200).type(registry.contentType).send(text);
    }, next);
  };
}
