/**
 * Immediate routes end to end (PROTOCOL.md 6): servers crm and erp, an event logger and the engine, each its
 * own process on loopback. The route's safety-net schedule is hourly, so every change seen here was pushed.
 */
import { batchCreate, create, digestOf, loggedEvents, loggedRuns, readAll, valuesByUuid, waitUntil } from './support/sdata';
import { startTopology, type Topology } from './support/fixtures';
import { startEngineProcess, ticksOf, type EngineProcess } from './support/engine';
import { NS } from '../../src/atom/namespaces';
import { postgresUrl } from '../support/databases';

jest.setTimeout(300_000);

const ROUTE = 'crm-erp';
const HOURLY = '0 0 * * * *';

async function sameEverywhere(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([digestOf(a), digestOf(b)]);
  if (JSON.stringify(ticksOf(da)) !== JSON.stringify(ticksOf(db))) return false;
  const [va, vb] = await Promise.all([valuesByUuid(a), valuesByUuid(b)]);
  return JSON.stringify(Object.fromEntries([...va].sort())) === JSON.stringify(Object.fromEntries([...vb].sort()));
}

/** Changes of the burst test: 8 writers, rounds of 25 changes every 400 ms (5,000 in `npm run test:soak`). */
const BURST = Number(process.env.IMMEDIATE_BURST ?? 1000);
const ROUNDS = Math.max(1, Math.round(BURST / 8 / 25));

const kinds = postgresUrl ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

describe.each(kinds)('[%s] immediate routes between processes', (db) => {
  let top: Topology;
  let engine: EngineProcess;
  let crm: string;
  let erp: string;

  beforeAll(async () => {
    top = await startTopology(db);
    crm = top.crm.endpoint('accounts');
    erp = top.erp.endpoint('accounts');
    engine = await startEngineProcess(top.dir, {
      loggers: [top.logger.ingestUrl],
      watch: { retryMillis: 200 },
      // erp is stopped in a test: its failed exchanges are retried within a second, not the default 10 s.
      retry: { attempts: 3, startingDelayMillis: 50, maxDelayMillis: 1000 },
      routes: [{ name: ROUTE, source: top.crm.appUrl, target: top.erp.appUrl, kinds: ['accounts'], direction: 'bothWays', mode: 'immediate', schedule: HOURLY }],
    });
    await waitUntil('the start-up catch-up passes are done', async () => (await loggedRuns(top.logger.url)).filter((r) => r.state === 'done').length >= 2);
  });

  afterAll(async () => {
    await engine?.stop();
    await top?.stop();
  });

  it('a change created at crm is readable at erp within a second (no scheduled pass runs within the hour)', async () => {
    await create(crm, 'account', { name: 'Pushed' });
    const started = Date.now();
    await waitUntil('the account is at erp', async () => (await readAll(erp)).some((r) => r.values.name === 'Pushed'), 5000, 5);
    expect(Date.now() - started).toBeLessThan(1000);
    // and back: a change at erp reaches crm the same way
    await create(erp, 'account', { name: 'Pushed back' });
    await waitUntil('the account is at crm', async () => (await readAll(crm)).some((r) => r.values.name === 'Pushed back'), 1000, 5);
  });

  it(`a burst of ${ROUNDS * 200} changes in ${ROUNDS * 0.4} s (8 writers, single requests and $batch mixed) arrives complete with equal digests, in far fewer pushes`, async () => {
    const catchUpsBefore = (await loggedRuns(top.logger.url, { runName: `${ROUTE} catch-up` })).length;
    const before = (await readAll(crm)).length;
    const started = Date.now();
    const writer = async (w: number) => {
      // Rounds of one single create and a $batch of 24, one every 400 ms.
      for (let round = 0; round < ROUNDS; round++) {
        await create(crm, 'account', { name: `w${w}r${round}` });
        await batchCreate(crm, 'account', Array.from({ length: 24 }, (_, i) => ({ key: '', values: { name: `w${w}r${round}b${i}` } })));
        const wait = started + (round + 1) * 400 - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    expect((await readAll(crm)).length).toBe(before + ROUNDS * 200);
    await waitUntil('erp holds every change and the digests agree', () => sameEverywhere(crm, erp), 60_000, 200);
    const pushes = await loggedRuns(top.logger.url, { runName: `${ROUTE} push` });
    const pushed = pushes.filter((r) => r.source === crm);
    expect(pushed.length).toBeGreaterThan(0);
    expect(pushed.length).toBeLessThan((ROUNDS * 200) / 10);
    expect(pushed.every((r) => r.state === 'done')).toBe(true);
    expect((await loggedRuns(top.logger.url, { runName: `${ROUTE} catch-up` })).length).toBe(catchUpsBefore);
  });

  it('with erp stopped during some changes and restarted, nothing is lost; the fallback catch-up pass is in the logger', async () => {
    await top.erp.server.proc.stop();
    const stoppedAt = new Date().toISOString();
    for (let i = 0; i < 30; i++) await create(crm, 'account', { name: `while erp was down ${i}` });
    await top.erp.restart();
    await waitUntil('crm and erp agree again', () => sameEverywhere(crm, erp), 60_000, 200);
    const runs = await loggedRuns(top.logger.url);
    expect(runs.some((r) => r.state === 'failed' && r.startedAt >= stoppedAt)).toBe(true);
    expect(runs.some((r) => r.runName === `${ROUTE} catch-up` && r.state === 'done' && r.startedAt >= stoppedAt && r.source === crm)).toBe(true);
  });

  it('a push whose floor is above erp\'s digest (erp restored from an older copy) is refused with SyncGap; the catch-up pass repairs it', async () => {
    await create(crm, 'account', { name: 'before the restore' });
    await waitUntil('crm and erp agree', () => sameEverywhere(crm, erp), 30_000, 50);
    // erp "restored from an older copy": its entry for crm goes back to tick 1 (administration PUT).
    const d = await digestOf(erp);
    const crmId = (await digestOf(crm)).origin; // endpoint identities are the public URLs, not the ones dialled here
    const lowered = d.entries.map((e) => (e.endpoint === crmId ? { ...e, tick: 1 } : e));
    expect(lowered).not.toEqual(d.entries);
    const xml = `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest><sync:origin>${d.origin}</sync:origin>${lowered
      .map((e) => `<sync:digestEntry><sync:endpoint>${e.endpoint}</sync:endpoint><sync:tick>${e.tick}</sync:tick><sync:stamp>${e.stamp}</sync:stamp><sync:conflictPriority>${e.conflictPriority}</sync:conflictPriority></sync:digestEntry>`)
      .join('')}</sync:digest></sdata:payload></entry>`;
    const put = await fetch(`${erp}/$syncDigest`, { method: 'PUT', headers: { 'content-type': 'application/atom+xml;type=entry' }, body: xml });
    expect(put.status).toBe(200);
    const dataBefore = await valuesByUuid(erp);
    await create(crm, 'account', { name: 'after the restore' });
    await waitUntil('the SyncGap is in the logger', async () => (await loggedEvents(top.logger.url, { applicationCode: 'SyncGap' })).total > 0, 30_000, 100);
    await waitUntil('crm and erp agree again', () => sameEverywhere(crm, erp), 60_000, 200);
    const dataAfter = await valuesByUuid(erp);
    expect(dataAfter.size).toBe(dataBefore.size + 1);
  });
});
