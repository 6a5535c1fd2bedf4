/**
 * The engine's HTTP interface without endpoints to talk to (port 9 answers nothing): an immediate route
 * cannot be run by `$run` (409: it runs all the time), routes whose lag cannot be read list it as null
 * (a scheduled route that never ran has no last run),
 * bad input gets a 4xx diagnosis in XML, or in JSON when JSON was asked for, and starts nothing.
 */
import request from 'supertest';
import { engineSchema } from '../../src/config/engineSchema';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { createEngineApp } from '../../src/engine/httpApi';
import { inProcessLocks } from '../../src/engine/routeLock';
import { securityPolicy } from '../../src/security/policy';

const NOWHERE = 'http://127.0.0.1:9/sdata/crm/test/-/accounts';

describe('the engine HTTP interface', () => {
  let engine: RunningEngine;
  let app: ReturnType<typeof createEngineApp>;

  beforeAll(async () => {
    const cfg = engineSchema.parse({
      retry: { attempts: 1 },
      watch: { retryMillis: 60_000 },
      routes: [
        { name: 'pushing', source: NOWHERE, target: NOWHERE.replace('crm', 'erp'), mode: 'immediate' },
        { name: 'nightly', source: NOWHERE, target: NOWHERE.replace('crm', 'erp'), schedule: '0 0 3 * * *' },
      ],
    });
    engine = await startEngine(cfg, { locks: inProcessLocks() });
    app = createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security: securityPolicy({ users: [] }, '127.0.0.1'), baseUrl: () => 'http://engine.test' });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('answers 409 to $run of an immediate route, and starts nothing', async () => {
    const res = await request(app).post('/routes/pushing/%24run').set('Accept', 'application/json').expect(409);
    expect(res.body.$diagnoses[0]).toMatchObject({ sdataCode: 'Conflict', applicationCode: 'RouteRunsContinuously' });
    // Its own catch-up passes (failing: nothing answers) are its only runs.
    expect(engine.routes[0].activity.latest()?.trigger).not.toBe('request');
  });

  it('lists both routes in configuration order, the lag null while it cannot be read', async () => {
    const res = await request(app).get('/routes').expect(200).expect('Content-Type', /^application\/json/);
    expect(res.body.routes.map((r: { name: string; mode: string; state: string; lagTicks: unknown }) => [r.name, r.mode, r.state, r.lagTicks])).toEqual([
      ['pushing', 'immediate', expect.stringMatching(/^(listening|running)$/), null],
      ['nightly', 'scheduled', 'idle', null],
    ]);
    expect(res.body.routes[1].lastRun).toBeNull();
  });

  it('refuses a format it does not serve, and a route name over the limit, with diagnoses', async () => {
    const bad = await request(app).get('/routes?format=csv').expect(400);
    expect(bad.type).toBe('application/xml');
    expect(bad.text).toContain('BadQueryParameter');
    const long = await request(app).post(`/routes/${'%41'.repeat(201)}/$run`).expect(400);
    expect(long.text).toContain('at most 200 characters');
    const badEscape = await request(app).post('/routes/%E0%A4%A/$run').expect(400);
    expect(badEscape.text).toContain('BadRequest');
    expect(engine.routes[1].activity.latest()).toBeUndefined();
  });
});
