import { endpointRouteOf } from '../../src/endpoint/routeOf';
import { loggerRouteOf } from '../../src/logger/app';
import { SDataError } from '../../src/protocol/diagnosis';

test.each([
  ['/', '/', undefined],
  ['/healthz', '/healthz', undefined],
  ['/readyz/', '/readyz', undefined],
  ['/sdata', '/sdata', undefined],
  ['/sdata/crm', '/sdata/{app}', 'crm'],
  ['/sdata/cr%6D/test/', '/sdata/{app}/{contract}', 'crm'],
  ['/sdata/crm/test/-', '{dataset}', 'crm'],
  ['/sdata/crm/test/-/%24schema', '{dataset}/$schema', 'crm'],
  ['/sdata/crm/test/-/accounts', '{ep}', 'crm'],
  ["/sdata/erp/test/-/accounts('A%20B')", "{ep}('KEY')", 'erp'],
  ['/sdata/crm/test/-/accounts/$syncDigest', '{ep}/$syncDigest', 'crm'],
  ["/sdata/crm/test/-/accounts/$syncTarget('x')/$commit", "{ep}/$syncTarget('ID')/$commit", 'crm'],
  ["/sdata/crm/test/-/accounts('1')/$syncDigest", "{ep}('KEY')/$syncDigest", 'crm'],
])('endpoint route of %s is %s', (path, pattern, app) => {
  expect(endpointRouteOf(path)).toEqual({ pattern, app });
});

test('a segment that is not valid percent-encoding is a 400, as the router answers it', () => {
  for (const path of ['/sdata/%E0%A4%A', '/sdata/crm/test/-/%E0%A4%A']) {
    let err: unknown;
    try {
      endpointRouteOf(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SDataError);
    expect((err as SDataError).status).toBe(400);
  }
});

test.each([
  ['/logs/$syncResults', '/logs/$syncResults'],
  ['/logs/%24SyncResults/', '/logs/$syncResults'],
  ['/logs/runs/', '/logs/runs'],
  ['/health', '/health'],
])('logger route of %s is %s', (path, pattern) => {
  expect(loggerRouteOf(path).pattern).toBe(pattern);
});
