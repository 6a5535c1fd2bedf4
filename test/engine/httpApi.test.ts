/**
 * The engine's HTTP interface without endpoints to talk to (port 9 answers nothing): an immediate route
 * cannot be run by `$run` (409: it runs all the time), routes whose lag cannot be read list it as null
 * (a scheduled route that never ran has no last run, no last success, no failure, no progress), $pause and
 * $resume switch a scheduled route's schedule off and on (a paused route's schedule starts no run; $run does),
 * bad input gets a 4xx diagnosis in XML, or in JSON when JSON was asked for, and starts nothing.
 */
import request from 'supertest';
import { engineSchema } from '../../src/config/engineSchema';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { createEngineApp } from '../../src/engine/httpApi';
import { inProcessLocks } from '../../src/engine/routeLock';
import { securityPolicy } from '../../src/security/policy';

async function waitFor(check: () => Promise<boolean>, millis = 10_000): Promise<void> {
  for (const until = Date.now() + millis; !(await check()); ) {
    if (Date.now() > until) throw new Error('not so within the time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

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
        { name: 'nightly', source: NOWHERE, target: NOWHERE.replace('crm', 'hr'), schedule: '0 0 3 * * *' },
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

  it('names the time since the last success for what it is: null before any, with no failure and no progress', async () => {
    const res = await request(app).get('/routes').expect(200);
    expect(res.body.routes[1]).toMatchObject({ name: 'nightly', pausedAt: null, lastSuccessAt: null, secondsSinceSuccess: null, lastFailure: null, progress: null });
    expect(res.body.routes[1]).not.toHaveProperty('lagSeconds');
    // The immediate route's catch-up failed (nothing answers at port 9): its reason is shown.
    await waitFor(async () => (await request(app).get('/routes')).body.routes[0].lastFailure !== null);
    const failure = (await request(app).get('/routes')).body.routes[0].lastFailure;
    expect(failure).toMatchObject({ at: expect.any(String), reason: expect.stringMatching(/\S/) });
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

  it('pauses and resumes a scheduled route: its schedule starts no run while paused, $run still does', async () => {
    const paused = await request(app).post('/routes/nightly/$pause').expect(200);
    expect(paused.body).toMatchObject({ name: 'nightly', state: 'paused', pausedAt: expect.any(String) });
    expect(await engine.runners[0].runOnce('schedule')).toEqual({ route: 'nightly', skipped: true });
    expect(engine.routes[1].activity.latest()).toBeUndefined();
    const asked = await request(app).post('/routes/nightly/$run').expect(202);
    expect(asked.body).toMatchObject({ trigger: 'request' });
    await engine.runners[0].idle();
    const atom = await request(app).get('/routes?format=atom').expect(200);
    expect(atom.text).toContain('<x:state>paused</x:state>');
    const resumed = await request(app).post('/routes/nightly/%24resume').expect(200);
    expect(resumed.body).toMatchObject({ name: 'nightly', state: 'idle', pausedAt: null });
    const again = await request(app).post('/routes/pushing/$pause').set('Accept', 'application/json').expect(409);
    expect(again.body.$diagnoses[0]).toMatchObject({ applicationCode: 'RouteRunsContinuously' });
  });
});

describe('a route between partition endpoints, named by its URLs', () => {
  const FR = "http://127.0.0.1:9/sdata/hq/test/-/accounts?where=country%20eq%20'FR'";
  const SUBSIDIARY = 'http://127.0.0.1:9/sdata/fr/test/-/accounts';
  let engine: RunningEngine;
  let app: ReturnType<typeof createEngineApp>;

  beforeAll(async () => {
    engine = await startEngine(engineSchema.parse({ retry: { attempts: 1 }, routes: [{ source: FR, target: SUBSIDIARY, schedule: '0 0 3 * * *' }] }), { locks: inProcessLocks() });
    app = createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security: securityPolicy({ users: [] }, '127.0.0.1'), baseUrl: () => 'http://engine.test' });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('is listed with its partition URL and answers $pause and $resume at its percent-encoded name', async () => {
    const name = `${FR} -> ${SUBSIDIARY}`;
    const listed = await request(app).get('/routes').expect(200);
    expect(listed.body.routes.map((r: { name: string; source: string }) => [r.name, r.source])).toEqual([[name, FR]]);
    const paused = await request(app).post(`/routes/${encodeURIComponent(name)}/$pause`).expect(200);
    expect(paused.body).toMatchObject({ name, state: 'paused' });
    await request(app).post(`/routes/${encodeURIComponent(name)}/$resume`).expect(200);
  });
});
