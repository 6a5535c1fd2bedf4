/**
 * The catch-up pass against a real endpoint server and event logger (in this process, on loopback), on
 * PGlite and PostgreSQL: every kind in syncOrder, cut passes that resume, results posted to the logger and
 * the source's $syncResults, clean stop between pages, failures reported.
 */
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { EndpointError } from '../../src/engine/errors';
import { SDataClient } from '../../src/engine/sdataClient';
import { PassFailed, runPass, type PassOptions } from '../../src/engine/pass';
import { startLogger, type RunningLogger } from '../../src/logger/service';
import { describeEachDatabase } from '../support/databases';
import { batchCreate, create, loggedRuns, readAll, valuesByUuid } from '../e2e/support/sdata';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };

describeEachDatabase('catch-up pass', (tdb) => {
  let server: RunningServer;
  let logger: RunningLogger;
  let crm: string;
  let erp: string;
  let runs = 0;

  const options = (over: Partial<PassOptions> = {}): PassOptions => ({
    source: crm,
    target: erp,
    client: new SDataClient({ run: { runName: `run ${++runs}`, runStamp: new Date().toISOString() }, retry: fast }),
    loggers: [logger.ingestUrl],
    ...over,
  });

  beforeAll(async () => {
    const db = await tdb.open();
    // Work over 5 ms is answered 202 + tracking: the engine's polling is exercised on every page.
    const cfg = parseConfig({ ...demoConfig, server: { port: 0 }, sync: { answerWithinMillis: 5 } }, {});
    server = await startServer(cfg, { db, port: 0 });
    logger = await startLogger(cfg, { db, port: 0 });
    crm = `${server.url}/sdata/crm/test/-`;
    erp = `${server.url}/sdata/erp/test/-`;
    await batchCreate(`${crm}/accounts`, 'account', Array.from({ length: 12 }, (_, i) => ({ key: `${i + 1}`, values: { name: `Account ${i + 1}`, balance: `${i}.50` } })));
    const accounts = await readAll(`${crm}/accounts`);
    await create(`${crm}/contacts`, 'contact', { firstName: 'Ann', account: { ref: accounts[0].uuid } }, '1');
  });

  afterAll(async () => {
    await logger?.close();
    await server?.close();
  });

  it('cuts a pass after a number of pages; the next pass resumes where it stopped', async () => {
    const cut = await runPass(options({ source: `${crm}/accounts`, target: `${erp}/accounts`, pageSize: 5, stopAfterPages: 1 }));
    expect(cut).toMatchObject({ state: 'cut', pages: 1, entries: 5, created: 5 });
    expect((await readAll(`${erp}/accounts`)).length).toBe(5);
    const cutRun = (await loggedRuns(logger.url, { runName: `run ${runs}` }))[0];
    expect(cutRun).toMatchObject({ state: 'cut', pages: 1, entriesRead: 5 });

    const rest = await runPass(options({ source: `${crm}/accounts`, target: `${erp}/accounts`, pageSize: 5 }));
    expect(rest).toMatchObject({ state: 'done', pages: 2, entries: 7, created: 7, failures: 0 });
    expect(Object.fromEntries(await valuesByUuid(`${erp}/accounts`))).toEqual(Object.fromEntries(await valuesByUuid(`${crm}/accounts`)));
  });

  it('with application URLs, moves every kind in syncOrder and reports each to the logger and $syncResults', async () => {
    const seen: string[] = [];
    const s = await runPass(options({ postResults: true, onProgress: (p) => p.type === 'kind' && seen.push(p.kind) }));
    expect(seen).toEqual(['accounts', 'contacts']);
    expect(s.kinds.map((k) => [k.kind, k.state, k.entries])).toEqual([
      ['accounts', 'done', 0],
      ['contacts', 'done', 1],
    ]);
    expect(s).toMatchObject({ state: 'done', created: 1, failures: 0 });
    expect(Object.fromEntries(await valuesByUuid(`${erp}/contacts`))).toEqual(Object.fromEntries(await valuesByUuid(`${crm}/contacts`)));
    const logged = await loggedRuns(logger.url, { runName: `run ${runs}` });
    expect(logged.map((r) => r.kind).sort()).toEqual(['accounts', 'contacts']);
    const results = await fetch(`${crm}/contacts/$syncResults?runName=${encodeURIComponent(`run ${runs}`)}`);
    expect(await results.text()).toContain('<opensearch:totalResults>1</opensearch:totalResults>');
  });

  it('stops cleanly between pages when asked, and deletes its contexts', async () => {
    await batchCreate(`${crm}/accounts`, 'account', Array.from({ length: 6 }, (_, i) => ({ key: `s${i}`, values: { name: `Stop ${i}` } })));
    // Asked once after each applied page that has a next one: stop after the second.
    let asked = 0;
    const s = await runPass(options({ source: `${crm}/accounts`, target: `${erp}/accounts`, pageSize: 2, shouldStop: () => ++asked >= 2 }));
    expect(s).toMatchObject({ state: 'cut', pages: 2, entries: 4 });
    const open = await server.db('contexts').count({ n: '*' });
    expect(Number((open[0] as { n: string }).n)).toBe(0);
    const rest = await runPass(options({ source: `${crm}/accounts`, target: `${erp}/accounts` }));
    expect(rest).toMatchObject({ state: 'done', entries: 2 });
  });

  it('with nothing to move, reads the two digests only (no selection, no page, no context) and closes the run as done', async () => {
    const leg = { source: `${crm}/accounts`, target: `${erp}/accounts` };
    await runPass(options(leg));
    const client = new SDataClient({ run: { runName: `run ${++runs}`, runStamp: new Date().toISOString() }, retry: fast });
    const asked: string[] = [];
    const request = client.request.bind(client);
    client.request = (method, url, body) => {
      asked.push(`${method} ${new URL(url).pathname.replace(/\('.*'\)/, "('…')")}`);
      return request(method, url, body);
    };
    const targetDigest = async () => /<sync:digest>.*<\/sync:digest>/.exec(await (await fetch(`${erp}/accounts/$syncDigest`)).text())![0];
    const digestBefore = await targetDigest();
    const s = await runPass({ ...leg, client, loggers: [logger.ingestUrl] });
    expect(s).toMatchObject({ state: 'done', entries: 0, pages: 0 });
    // Two requests at once, the digests: the source is not ahead, so no selection is asked for.
    expect(asked.sort()).toEqual(['GET /sdata/crm/test/-/accounts/$syncDigest', 'GET /sdata/erp/test/-/accounts/$syncDigest']);
    expect(await targetDigest()).toBe(digestBefore);
    const run = (await loggedRuns(logger.url, { runName: `run ${runs}` }))[0];
    expect(run).toMatchObject({ state: 'done', entriesRead: 0 });
  });

  it('fails with the endpoint’s diagnoses, and tells the logger', async () => {
    const err = await runPass(options({ source: `${crm}/accounts`, target: `${erp}/nothing` })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PassFailed);
    const failed = err as PassFailed;
    expect(failed.cause).toBeInstanceOf(EndpointError);
    expect(failed.diagnoses[0].sdataCode).toBe('ResourceKindNotFound');
    const run = (await loggedRuns(logger.url, { runName: `run ${runs}` }))[0];
    expect(run.state).toBe('failed');
  });
});
