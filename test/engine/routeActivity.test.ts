/**
 * What a route's activity tells GET /routes (pure, no endpoint): a running pass's progress (entries so far of
 * about how many, the leg and kind it is on) while the run runs and none once it ended; when the last
 * success was and why the last failure failed.
 */
import { RouteActivity } from '../../src/engine/routeActivity';
import type { EngineRoute } from '../../src/engine/daemon';
import { routesJson } from '../../src/engine/routesView';

const counts = { created: 2, updated: 0, deleted: 0, conflicts: 0, failures: 0, skipped: 0 };

/** A route as the listener sees it, its lag never readable. */
function route(activity: RouteActivity): EngineRoute {
  return { name: activity.route, config: { source: 'http://a/sdata/a/t/-/k', target: 'http://b/sdata/b/t/-/k', mode: 'watch' } as EngineRoute['config'], activity, lag: { ticks: async () => undefined } as unknown as EngineRoute['lag'] };
}

describe("a route's activity in GET /routes", () => {
  it("shows a running pass's progress of about totalResults, and none once the run has ended", async () => {
    const activity = new RouteActivity('r');
    const run = activity.begin('catch-up');
    const pass = activity.passStarted(run, 'http://a/sdata/a/t/-/k', 'http://b/sdata/b/t/-/k', 'stamp');
    const progress = activity.progressOf(run);
    progress({ type: 'kind', kind: 'accounts', source: 'http://a/sdata/a/t/-/accounts', target: 'http://b/sdata/b/t/-/accounts' });
    progress({ type: 'page', kind: 'accounts', page: 1, entries: 2, entriesDone: 2, totalResults: 5, counts });
    progress({ type: 'page', kind: 'accounts', page: 2, entries: 2, entriesDone: 4, counts });
    let [json] = (await routesJson([route(activity)])).routes;
    expect(json.progress).toEqual({ runId: run.id, startedAt: run.startedAt, source: 'http://a/sdata/a/t/-/accounts', target: 'http://b/sdata/b/t/-/accounts', kind: 'accounts', entriesDone: 4, totalResults: 5 });
    expect(json.state).toBe('running');
    // The next kind starts from zero, its size not known yet.
    progress({ type: 'kind', kind: 'contacts', source: 'http://a/sdata/a/t/-/contacts', target: 'http://b/sdata/b/t/-/contacts' });
    [json] = (await routesJson([route(activity)])).routes;
    expect(json.progress).toMatchObject({ kind: 'contacts', entriesDone: 0, totalResults: null });
    activity.passEnded(pass, 'done', 1);
    activity.end(run);
    [json] = (await routesJson([route(activity)])).routes;
    expect(json.progress).toBeNull();
    expect(json.lastSuccessAt).toEqual(expect.any(String));
    expect(json.secondsSinceSuccess).toBeGreaterThanOrEqual(0);
    expect(json.lastFailure).toBeNull();
  });

  it('keeps the last failure with its reason and leg, a later success leaving it shown', async () => {
    const activity = new RouteActivity('r');
    const run = activity.begin('schedule');
    const pass = activity.passStarted(run, 'http://a/x', 'http://b/x', 'stamp');
    activity.passEnded(pass, 'failed', 1, 'HTTP 503 from http://b/x');
    activity.end(run);
    activity.ended('push', 'failed', 1, { source: 'http://a/x', target: 'http://b/x', reason: 'connection refused' });
    let [json] = (await routesJson([route(activity)])).routes;
    expect(json.lastFailure).toEqual({ at: expect.any(String), source: 'http://a/x', target: 'http://b/x', reason: 'connection refused' });
    expect([json.lastSuccessAt, json.secondsSinceSuccess]).toEqual([null, null]);
    activity.ended('push', 'done', 1);
    [json] = (await routesJson([route(activity)])).routes;
    expect(json.lastFailure?.reason).toBe('connection refused');
    expect(json.lastSuccessAt).not.toBeNull();
  });
});
