/**
 * One Prometheus registry per process part (server, logger, engine), never prom-client's global default:
 * several apps started in one process (the demo, tests) each expose their own metrics. Each registry also
 * holds the Node process metrics prom-client collects (`sdata_process_*`, `sdata_nodejs_*`), under their
 * standard names.
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';

export type Service = 'server' | 'logger' | 'engine';

/**
 * Gauges prom-client's default metrics name with `_total`, a suffix the Prometheus conventions keep for
 * counters (`promtool check metrics` refuses them). Each is the sum of its per-type gauge of the same name
 * without the suffix (`sum(sdata_nodejs_active_handles)`), which stays: they are left out.
 */
const GAUGES_NAMED_AS_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function serviceRegistry(service: Service): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'sdata_' });
  for (const name of GAUGES_NAMED_AS_COUNTERS) registry.removeSingleMetric(`sdata_${name}`);
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
