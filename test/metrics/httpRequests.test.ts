/**
 * The HTTP metrics count requests by the role table's route pattern and status: a resource key, a tracking
 * id or an unknown URL never becomes a label value, so no caller can grow the number of series; refused
 * requests are counted too.
 */
import express from 'express';
import request from 'supertest';
import { endpointRouteOf } from '../../src/endpoint/routeOf';
import { httpMetrics } from '../../src/metrics/httpRequests';
import { serviceRegistry } from '../../src/metrics/registry';
import { accessControl } from '../../src/security/accessControl';
import { securityPolicy } from '../../src/security/policy';
import { ENDPOINT_ROUTES } from '../../src/security/roles';
import { parseExposition, sampleValue } from '../support/prometheus';

function appWithMetrics() {
  const registry = serviceRegistry('server');
  const app = express();
  const routeOf = (req: express.Request) => endpointRouteOf(req.path);
  app.use(httpMetrics(registry, ENDPOINT_ROUTES, routeOf));
  app.use(accessControl(securityPolicy({ users: [], anonymous: ['read'] }, '127.0.0.1'), ENDPOINT_ROUTES, routeOf));
  app.use((_req, res) => void res.status(200).send('ok'));
  app.use((err: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(err.status ?? 500).send('refused'));
  return { app, registry };
}

describe('HTTP metrics', () => {
  it('label a request with its route pattern, never its key or id, and count refusals', async () => {
    const { app, registry } = appWithMetrics();
    await request(app).get("/sdata/crm/test/-/accounts('SECRET-KEY-1')").expect(200);
    await request(app).get("/sdata/crm/test/-/accounts('SECRET-KEY-2')").expect(200);
    await request(app).get("/sdata/crm/test/-/accounts/$syncSource('4f1c2b9e-0000-4000-8000-000000000001')").expect(401);
    await request(app).get('/no/such/place/9f8e7d').expect(404);
    const text = await registry.metrics();
    expect(text).not.toMatch(/SECRET-KEY|4f1c2b9e|9f8e7d/);
    const families = parseExposition(text);
    expect(sampleValue(families, 'sdata_http_requests_total', { method: 'GET', route: "{ep}('KEY')", status: '200' })).toBe(2);
    expect(sampleValue(families, 'sdata_http_requests_total', { method: 'GET', route: "{ep}/$syncSource('ID')", status: '401' })).toBe(1);
    expect(sampleValue(families, 'sdata_http_requests_total', { method: 'GET', route: 'unlisted', status: '404' })).toBe(1);
    expect(sampleValue(families, 'sdata_http_request_duration_seconds_count', { route: "{ep}('KEY')" })).toBe(2);
    expect(sampleValue(families, 'sdata_http_request_duration_seconds_bucket', { route: "{ep}('KEY')", le: '+Inf' })).toBe(2);
  });

  it('keeps the series of two apps in one process apart (a registry each)', async () => {
    const a = appWithMetrics();
    const b = appWithMetrics();
    await request(a.app).get('/sdata').expect(200);
    expect(sampleValue(parseExposition(await a.registry.metrics()), 'sdata_http_requests_total', { route: '/sdata' })).toBe(1);
    expect(sampleValue(parseExposition(await b.registry.metrics()), 'sdata_http_requests_total', { route: '/sdata' })).toBeUndefined();
  });
});

describe('the Prometheus text check of the tests', () => {
  it.each([
    ['a line that is no sample', '# TYPE a counter\na b c\n'],
    ['a sample before its TYPE', 'a 1\n# TYPE a counter\n'],
    ['an unescaped quote in a label', '# TYPE a counter\na{l="x"y"} 1\n'],
    ['an HTML page', '<html></html>\n'],
    ['no final newline', '# TYPE a counter\na 1'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseExposition(text)).toThrow();
  });

  it('accepts what Prometheus reads', () => {
    const families = parseExposition('# HELP a_total Help text.\n# TYPE a_total counter\na_total{l="x\\"y",m="z"} 1\n\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n# TYPE g gauge\ng Nan\n');
    expect(sampleValue(families, 'a_total', { l: 'x"y' })).toBe(1);
    expect(sampleValue(families, 'h_count')).toBe(2);
    expect(sampleValue(families, 'g')).toBeNaN();
  });
});
