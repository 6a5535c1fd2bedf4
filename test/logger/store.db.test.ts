import { describeEachDatabase } from '../support/databases';
import { findRun, latestRunPerRoute, listEvents, listRuns, pruneBefore, recordResultPost } from '../../src/logger/store';
import type { ResultPost, RunKey } from '../../src/logger/records';
import type { Db } from '../../src/store/db';

const key = (over: Partial<RunKey> = {}): RunKey => ({
  runName: 'nightly',
  runStamp: '2026-11-22T10:00:00.000Z',
  source: 'http://localhost:3000/sdata/crm/test/-/accounts',
  target: 'http://localhost:3000/sdata/erp/test/-/accounts',
  kind: 'accounts',
  ...over,
});

const zero = { created: 0, updated: 0, deleted: 0, failures: 0, conflicts: 0, skipped: 0 };

function post(over: Partial<ResultPost> = {}): ResultPost {
  return { run: key(), state: 'running', entriesRead: 0, counts: zero, events: [], ...over };
}

describeEachDatabase('event logger store', (tdb) => {
  let db: Db;
  beforeAll(async () => {
    db = await tdb.open();
  });

  it('adds the posts of one run into one record and computes pending, written and duration', async () => {
    const at = (s: number) => new Date(Date.parse('2026-11-22T10:00:00.000Z') + s * 1000);
    const first = await recordResultPost(db, post({ entriesRead: 500, totalResults: 1200, counts: { ...zero, created: 498, failures: 2 } }), at(1));
    await recordResultPost(db, post({ entriesRead: 500, counts: { ...zero, created: 490, updated: 9, conflicts: 1 } }), at(2));
    let run = (await findRun(db, first.runId))!;
    expect(run).toMatchObject({ state: 'running', pages: 2, entriesRead: 1000, entriesWritten: 997, failed: 2, conflicts: 1, totalResults: 1200, pending: 200 });
    const last = await recordResultPost(db, post({ state: 'done', entriesRead: 200, counts: { ...zero, deleted: 200 } }), at(4));
    expect(last.runId).toBe(first.runId);
    run = (await findRun(db, first.runId))!;
    expect(run).toMatchObject({ state: 'done', pages: 3, entriesRead: 1200, entriesWritten: 1197, pending: 0, durationSeconds: 4 });
    expect(run.startedAt).toBe('2026-11-22T10:00:00.000Z');
  });

  it('stores every diagnosis with its entry and filters events by run, endpoint, severity and time', async () => {
    const run = key({ runName: 'filters', kind: 'contacts', source: 'http://a/sdata/crm/test/-/contacts', target: 'http://b/sdata/erp/test/-/contacts' });
    const t0 = new Date('2026-11-22T11:00:00.000Z');
    await recordResultPost(
      db,
      post({
        run,
        entriesRead: 3,
        events: [
          { severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'InvalidPayload', message: 'bad email', payloadPath: 'contact/email', entryId: 'e1', uuid: 'u1', httpStatus: 422 },
          { severity: 'Info', sdataCode: 'ApplicationDiagnosis', applicationCode: 'Skipped', message: 'older', entryId: 'e2', httpStatus: 304 },
          { severity: 'Warning', sdataCode: 'ApplicationDiagnosis', applicationCode: 'SyncGap', message: 'gap' },
        ],
      }),
      t0,
    );
    await recordResultPost(db, post({ run, state: 'failed', events: [{ severity: 'Fatal', sdataCode: 'ApplicationDiagnosis', message: 'gone' }] }), new Date(t0.getTime() + 60_000));
    const page = { offset: 0, limit: 10 };
    expect((await listEvents(db, { runName: 'filters' }, page)).total).toBe(4);
    const errors = await listEvents(db, { runName: 'filters', severities: ['Error', 'Fatal'] }, page);
    expect(errors.items.map((e) => e.message)).toEqual(['gone', 'bad email']);
    expect(errors.items[1]).toMatchObject({ entryId: 'e1', uuid: 'u1', httpStatus: 422, payloadPath: 'contact/email', run: { kind: 'contacts' } });
    expect((await listEvents(db, { endpoint: 'http://b/sdata/erp/test/-' }, page)).total).toBe(4);
    expect((await listEvents(db, { endpoint: 'http://b/sdata/erp/test/-/contacts' }, page)).total).toBe(4);
    expect((await listEvents(db, { endpoint: 'http://b/sdata/erp/test' }, page)).total).toBe(4);
    expect((await listEvents(db, { endpoint: 'http://b/sdata/er' }, page)).total).toBe(0);
    expect((await listEvents(db, { runName: 'filters', since: new Date(t0.getTime() + 1000) }, page)).items.map((e) => e.message)).toEqual(['gone']);
    expect((await listEvents(db, { runName: 'filters', until: t0 }, page)).total).toBe(3);
    const paged = await listEvents(db, { runName: 'filters' }, { offset: 2, limit: 1 });
    expect([paged.total, paged.items.length]).toEqual([4, 1]);
    const runs = await listRuns(db, { runName: 'filters' }, page);
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]).toMatchObject({ state: 'failed', pages: 1, entriesRead: 3 });
    expect((await listRuns(db, { state: 'done' }, page)).items.every((r) => r.state === 'done')).toBe(true);
  });

  it('deletes events and runs older than the retention cutoff', async () => {
    const old = new Date('2000-01-01T00:00:00.000Z');
    const { runId } = await recordResultPost(db, post({ run: key({ runName: 'ancient', runStamp: 'not a date' }), events: [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', message: 'old' }] }), old);
    expect((await findRun(db, runId))!.startedAt).toBe(old.toISOString());
    const removed = await pruneBefore(db, new Date('2001-01-01T00:00:00.000Z'));
    expect(removed).toEqual({ events: 1, runs: 1 });
    expect(await findRun(db, runId)).toBeUndefined();
    expect((await listRuns(db, { runName: 'nightly' }, { offset: 0, limit: 10 })).total).toBe(1);
  });
});

describeEachDatabase('the latest run of each route', (tdb) => {
  let db: Db;
  beforeAll(async () => {
    db = await tdb.open();
  });

  it('gives each route its newest run and the end of its last done run, routes in order, at most the limit', async () => {
    const at = (m: number) => new Date(Date.parse('2026-11-22T10:00:00.000Z') + m * 60_000);
    const route = (n: number) => ({ source: `http://s${n}/sdata/a/test/-/accounts`, target: `http://t${n}/sdata/b/test/-/accounts` });
    const stamp = (m: number) => at(m).toISOString();
    // route 1: done, done, failed (newest); route 2: failed only; route 3: running after a done one.
    await recordResultPost(db, post({ run: key({ ...route(1), runStamp: stamp(0) }), state: 'done' }), at(1));
    await recordResultPost(db, post({ run: key({ ...route(1), runStamp: stamp(10) }), state: 'done' }), at(11));
    await recordResultPost(db, post({ run: key({ ...route(1), runStamp: stamp(20) }), state: 'failed' }), at(21));
    await recordResultPost(db, post({ run: key({ ...route(2), runStamp: stamp(5) }), state: 'failed' }), at(6));
    await recordResultPost(db, post({ run: key({ ...route(3), runStamp: stamp(1) }), state: 'done' }), at(2));
    await recordResultPost(db, post({ run: key({ ...route(3), runStamp: stamp(30), kind: 'contacts' }), state: 'running' }), at(31));
    await recordResultPost(db, post({ run: key({ ...route(3), runStamp: stamp(30) }), state: 'running' }), at(31));

    const latest = await latestRunPerRoute(db, 10);
    expect(latest.map((r) => [r.source, r.kind, r.runStamp, r.state, r.lastSuccessAt])).toEqual([
      [route(1).source, 'accounts', stamp(20), 'failed', at(11).toISOString()],
      [route(2).source, 'accounts', stamp(5), 'failed', undefined],
      [route(3).source, 'accounts', stamp(30), 'running', at(2).toISOString()],
      [route(3).source, 'contacts', stamp(30), 'running', undefined],
    ]);
    expect((await latestRunPerRoute(db, 2)).map((r) => r.source)).toEqual([route(1).source, route(2).source]);
  });
});
