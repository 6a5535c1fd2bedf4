/**
 * An immediate push of several pages (PROTOCOL.md 2.3, 6) against a real endpoint server, on PGlite and
 * PostgreSQL: the target merges the feed's ceiling only with the last page, so a push abandoned after its
 * first page leaves the target's digest where the applied entries put it, and the catch-up pass that
 * follows delivers the rest. A push that completes leaves the target at the ceiling and no context behind;
 * one that fits in a page costs two requests. Each test has its own pair of sites.
 */
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { SDataClient } from '../../src/engine/sdataClient';
import { runPass, type PassOptions } from '../../src/engine/pass';
import { tickOf } from '../../src/protocol/digest';
import { describeEachDatabase } from '../support/databases';
import { batchCreate, digestOf, readAll, valuesByUuid } from '../e2e/support/sdata';
import { sitesConfig } from './support/sites';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };

describeEachDatabase('an immediate push of several pages', (tdb) => {
  let server: RunningServer;
  let runs = 0;
  const ep = (site: string) => `${server.url}/sdata/${site}/test/-/accounts`;

  /** A source site with 12 new accounts, a target site, and what the source's digest calls the source. */
  async function burst(sourceSite: string, targetSite: string) {
    const source = ep(sourceSite);
    const target = ep(targetSite);
    await batchCreate(source, 'account', Array.from({ length: 12 }, (_, i) => ({ key: `${i + 1}`, values: { name: `Burst ${i + 1}` } })));
    const sourceName = (await digestOf(source)).origin!;
    const options = (over: Partial<PassOptions> = {}): PassOptions => ({
      source,
      target,
      client: new SDataClient({ run: { runName: `push ${++runs}`, runStamp: new Date().toISOString() }, retry: fast }),
      pageSize: 5,
      ...over,
    });
    return { source, target, sourceName, options };
  }

  beforeAll(async () => {
    const db = await tdb.open();
    server = await startServer(sitesConfig(['s1', 't1', 's2', 't2', 's3', 't3']), { db, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('abandoned after its first page: the target is not at the ceiling, and a catch-up pass delivers all 12', async () => {
    const { source, target, sourceName, options } = await burst('s1', 't1');
    const floor = await digestOf(target);
    const push = await runPass(options({ floor, stopAfterPages: 1 }));
    expect(push).toMatchObject({ state: 'cut', pages: 1, entries: 5, created: 5 });
    const ceilingTick = tickOf(push.ceiling!, sourceName, 0);
    expect(ceilingTick).toBe(tickOf(floor, sourceName, 1) + 12);
    // Only the per-entry rule moved the target: the tick after the fifth change, not the ceiling.
    const after = tickOf(await digestOf(target), sourceName, 0);
    expect(after).toBe(tickOf(floor, sourceName, 1) + 5);

    const catchUp = await runPass(options());
    expect(catchUp).toMatchObject({ state: 'done', created: 7, failures: 0 });
    expect((await readAll(target)).length).toBe(12);
    expect(Object.fromEntries(await valuesByUuid(target))).toEqual(Object.fromEntries(await valuesByUuid(source)));
    expect(tickOf(await digestOf(target), sourceName, 0)).toBe(ceilingTick);
  });

  it('completed: every page applied and the target at the ceiling the push answers', async () => {
    const { source, target, sourceName, options } = await burst('s2', 't2');
    const push = await runPass(options({ floor: await digestOf(target) }));
    expect(push).toMatchObject({ state: 'done', pages: 3, entries: 12, created: 12, failures: 0 });
    expect(tickOf(await digestOf(target), sourceName, 0)).toBe(tickOf(push.ceiling!, sourceName, 0));
    expect(Object.fromEntries(await valuesByUuid(target))).toEqual(Object.fromEntries(await valuesByUuid(source)));
    // The source's context (a selection of three pages) was deleted; no target context was kept.
    expect(await server.db('contexts').select('id')).toEqual([]);
  });

  it('fitting in one page: two requests (selection and page, both answered at once), no context to delete', async () => {
    const { source, target, options } = await burst('s3', 't3');
    const client = new SDataClient({ run: { runName: `push ${++runs}`, runStamp: new Date().toISOString() }, retry: fast });
    const asked: string[] = [];
    const request = client.request.bind(client);
    client.request = (method, url, body) => {
      const u = new URL(url);
      asked.push(`${method} ${u.pathname.slice(u.pathname.lastIndexOf('/') + 1)}${u.searchParams.get('syncMode') ? ` ${u.searchParams.get('syncMode')}` : ''}`);
      return request(method, url, body);
    };
    const push = await runPass(options({ client, floor: await digestOf(target), pageSize: 100 }));
    expect(push).toMatchObject({ state: 'done', pages: 1, entries: 12, created: 12, failures: 0 });
    const [select, page, ...polled] = asked;
    expect([select, page]).toEqual(['POST $syncSource immediate', 'POST $syncTarget']);
    // Answered at once (always on PGlite, whose work runs in this thread), that is all. A page answered 202
    // (answerWithinMillis is 5 ms here: PostgreSQL on a busy machine) is polled, then its context deleted.
    if (polled.length > 0) expect([polled.every((a) => /^(GET|DELETE) \$syncTarget\('/.test(a)), polled.filter((a) => a.startsWith('DELETE')).length]).toEqual([true, 1]);
    expect(await server.db('contexts').select('id')).toEqual([]);
    expect(Object.fromEntries(await valuesByUuid(target))).toEqual(Object.fromEntries(await valuesByUuid(source)));
  });
});
