/**
 * HTTP requests by route and status, with their latency. The route label is the role table's pattern of
 * the request (`GET {ep}('KEY')`, never the URL with its keys or ids); a request the table does not list
 * is counted as route `unlisted`, and a method outside the usual ones as `OTHER`, so that no caller can
 * grow the number of series.
 */
import type { Request, RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RouteOf } from '../security/accessControl';
import { requiredAccess, type RoleTable } from '../security/roles';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
/** Seconds: from a cached read (1 ms) to a large page applied (a minute). */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The `route` label of a request: its role-table pattern, or `unlisted`. */
function routeLabel(table: RoleTable, routeOf: (req: Request) => RouteOf, req: Request): string {
  let pattern: string;
  try {
    pattern = routeOf(req).pattern;
  } catch {
    return 'unlisted'; // a path the URL grammar refuses
  }
  return requiredAccess(table, req.method, pattern) === undefined ? 'unlisted' : pattern;
}

/** Middleware counting every request once its answer is written (or its client is gone). */
export function httpMetrics(registry: Registry, table: RoleTable, routeOf: (req: Request) => RouteOf): RequestHandler {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'sdata_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames, registers: [registry] });
  const duration = new Histogram({ name: 'sdata_http_request_duration_seconds', help: 'Time from a request arriving to its answer written, by method, route pattern and status', labelNames, buckets: BUCKETS, registers: [registry] });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const labels = { method: METHODS.has(req.method) ? req.method : 'OTHER', route: routeLabel(table, routeOf, req), status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
