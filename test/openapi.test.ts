/**
 * openapi/openapi.yaml is a valid OpenAPI 3 document (validated by @apidevtools/swagger-parser) that
 * describes every route the endpoint server serves, and only those.
 *
 * swagger-parser loads an ES-module dependency that jest's CommonJS runtime cannot require, so the
 * validation runs in a plain Node process, which prints the validated document.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ENDPOINT_ROUTES, ENGINE_ROUTES, LOGGER_ROUTES } from '../src/security/roles';

const root = path.join(__dirname, '..');
const file = path.join(root, 'openapi', 'openapi.yaml');

const VALIDATE = `require('@apidevtools/swagger-parser').validate(process.argv[1]).then(
  (api) => process.stdout.write(JSON.stringify({ openapi: api.openapi, paths: api.paths })),
  (err) => { process.stderr.write(err.message); process.exit(1); })`;

async function validated(): Promise<Api> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', VALIDATE, file], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Api;
}
const ep = '/sdata/{app}/{contract}/{dataset}/{kind}';
/** Answered by the start-up gate before the app (and its format negotiation) sees the request. */
const HEALTH_PROBES = new Set(['/healthz', '/readyz']);

/** Every route of the endpoint server: health probes, discovery, resources (PROTOCOL.md 3.1) and sync services (3.2). */
const routes: [string, string][] = [
  ['/healthz', 'get'],
  ['/readyz', 'get'],
  ['/metrics', 'get'],
  ['/', 'get'],
  ['/sdata', 'get'],
  ['/sdata/{app}', 'get'],
  ['/sdata/{app}/{contract}', 'get'],
  ['/sdata/{app}/{contract}/{dataset}', 'get'],
  ['/sdata/{app}/{contract}/{dataset}/$schema', 'get'],
  [ep, 'get'],
  [ep, 'post'],
  [`${ep}('{key}')`, 'get'],
  [`${ep}('{key}')`, 'put'],
  [`${ep}('{key}')`, 'delete'],
  [`${ep}/$batch`, 'post'],
  [`${ep}/$schema`, 'get'],
  [`${ep}/$template`, 'get'],
  [`${ep}/$syncDigest`, 'get'],
  [`${ep}/$syncDigest`, 'put'],
  [`${ep}/$syncNotify`, 'get'],
  [`${ep}/$syncSource`, 'post'],
  [`${ep}/$syncSource('{trackingId}')`, 'get'],
  [`${ep}/$syncSource('{trackingId}')`, 'delete'],
  [`${ep}/$syncTarget`, 'post'],
  [`${ep}/$syncTarget('{trackingId}')`, 'get'],
  [`${ep}/$syncTarget('{trackingId}')`, 'delete'],
  [`${ep}/$syncTarget('{trackingId}')/$commit`, 'post'],
  [`${ep}/$syncTarget('{trackingId}')/$abort`, 'post'],
  [`${ep}/$syncResults`, 'post'],
  [`${ep}/$syncResults`, 'get'],
  [`${ep}/$conflicts`, 'get'],
  [`${ep}/$conflicts('{id}')`, 'get'],
  [`${ep}/$conflicts('{id}')/$resolve`, 'post'],
  [`${ep}/$failures`, 'get'],
  [`${ep}/$failures('{id}')`, 'get'],
  [`${ep}/$failures('{id}')/$retry`, 'post'],
];

/** The event logger's routes described in the document (its dashboard); their errors are XML diagnoses only. */
const loggerRoutes: [string, string][] = [
  ['/dashboard', 'get'],
  ['/dashboard/dashboard.js', 'get'],
  ['/dashboard/dashboard.css', 'get'],
  ['/dashboard/data', 'get'],
  ['/dashboard/resolve', 'post'],
  ['/dashboard/retry', 'post'],
];
const LOGGER_PATHS = new Set(loggerRoutes.map(([p]) => p));

/** The routes of the engine's listener (ENGINE_ROUTES), beside the health probes and /metrics the server shares. */
const engineRoutes: [string, string][] = [
  ['/routes', 'get'],
  ['/routes/{name}/$run', 'post'],
  ['/routes/{name}/runs/{id}', 'get'],
];

type Operation = { responses: Record<string, { content?: Record<string, unknown> }>; 'x-roles'?: string[] };

/** The role table's name of an openapi path. */
const tablePattern = (p: string) =>
  p
    .replace(ep, '{ep}')
    .replace('/sdata/{app}/{contract}/{dataset}', '{dataset}')
    .replace("('{key}')", "('KEY')")
    .replace(/\('\{(trackingId|id)\}'\)/, "('ID')");
type Api = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('openapi/openapi.yaml', () => {
  let api: Api;

  beforeAll(async () => {
    api = await validated();
  });

  it('is a valid OpenAPI 3 document', () => {
    expect(api.openapi).toMatch(/^3\./);
  });

  it.each([...routes, ...loggerRoutes])('describes %s %s', (p, method) => {
    expect(api.paths[p]?.[method]).toBeDefined();
  });

  it('describes nothing that is not served', () => {
    const described = Object.entries(api.paths).flatMap(([p, item]) => Object.keys(item).filter((k) => k !== 'parameters' && k !== 'servers').map((m) => `${m} ${p}`));
    expect(described.sort()).toEqual([...routes, ...loggerRoutes, ...engineRoutes].map(([p, m]) => `${m} ${p}`).sort());
  });

  it.each(engineRoutes)('describes the engine route %s %s with the roles of ENGINE_ROUTES, and its 401 and 403 answers', (p, method) => {
    const op = api.paths[p]?.[method];
    expect(op).toBeDefined();
    const access = ENGINE_ROUTES[`${method.toUpperCase()} ${p}`];
    expect(access).toBeDefined();
    expect(op['x-roles']).toEqual(typeof access === 'string' ? [access] : access);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
  });

  it('lists every route of ENGINE_ROUTES, and /metrics needs the same roles on the server, the logger and the engine', () => {
    const described = new Set([...routes, ...engineRoutes].map(([p, m]) => `${m.toUpperCase()} ${p}`));
    expect(Object.keys(ENGINE_ROUTES).filter((r) => !described.has(r))).toEqual([]);
    expect([LOGGER_ROUTES['GET /metrics'], ENGINE_ROUTES['GET /metrics']]).toEqual([ENDPOINT_ROUTES['GET /metrics'], ENDPOINT_ROUTES['GET /metrics']]);
    expect(api.paths['/metrics'].get['x-roles']).toEqual(ENGINE_ROUTES['GET /metrics']);
  });

  it.each([...routes, ...loggerRoutes])('%s %s names the roles of the role table, and its 401 and 403 answers', (p, method) => {
    const op = api.paths[p][method];
    const access = (LOGGER_PATHS.has(p) ? LOGGER_ROUTES : ENDPOINT_ROUTES)[`${method.toUpperCase()} ${tablePattern(p)}`];
    expect(op['x-roles']).toEqual(typeof access === 'string' ? [access] : access);
    if (access !== 'public') expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
  });

  it('answers every error with an sdata:diagnoses body, or its JSON form (the health probes: XML only)', () => {
    for (const [p, item] of Object.entries(api.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters' || method === 'servers') continue;
        for (const [status, response] of Object.entries(op.responses)) {
          const types = HEALTH_PROBES.has(p) || LOGGER_PATHS.has(p) ? ['application/xml'] : ['application/xml', 'application/json'];
          if (Number(status) >= 400) expect([`${method} ${p} ${status}`, Object.keys(response.content ?? {})]).toEqual([`${method} ${p} ${status}`, types]);
        }
      }
    }
  });
});
