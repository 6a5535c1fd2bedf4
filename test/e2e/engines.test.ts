/**
 * End to end: two engine processes given the same route and schedule never run it at the same time (their
 * route lock is a PostgreSQL advisory lock); the event logger's run records show no overlap. PostgreSQL only:
 * PGlite cannot be shared by two processes.
 */
import { dropDatabases, spawnCli, writeYaml, type CliProcess } from './support/processes';
import { startTopology, type Topology } from './support/fixtures';
import { batchCreate, loggedRuns, sleep, valuesByUuid, waitUntil } from './support/sdata';

jest.setTimeout(180_000);

const postgresUrl = process.env.DATABASE_URL;

(postgresUrl ? describe : describe.skip)('[postgres] two engines, one route', () => {
  let t: Topology;
  const engines: CliProcess[] = [];

  beforeAll(async () => {
    t = await startTopology('pglite');
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop('SIGKILL')));
    await t?.stop();
    await dropDatabases();
  });

  it('never runs the route twice at once, and shuts down cleanly', async () => {
    const accounts = t.crm.endpoint('accounts');
    await batchCreate(accounts, 'account', Array.from({ length: 1200 }, (_, i) => ({ key: `${i + 1}`, values: { name: `Account ${i}`, email: `a${i}@example.test` } })));
    const route = { name: 'shared route', source: t.crm.appUrl, target: t.erp.appUrl, direction: 'bothWays', schedule: '* * * * * *' };
    const cfg = writeYaml(t.dir, 'engine.yaml', { log: { level: 'debug' }, engine: { http: { port: 0 }, databaseUrl: postgresUrl, loggers: [t.logger.ingestUrl], pageSize: 20, routes: [route] } });
    engines.push(spawnCli(['engine', '--config', cfg], { LOG_LEVEL: 'debug' }), spawnCli(['engine', '--config', cfg], { LOG_LEVEL: 'debug' }));

    await waitUntil('the data has moved', async () => (await valuesByUuid(t.erp.endpoint('accounts'))).size === 1200, 90_000, 250);
    await sleep(4000); // a few more scheduled runs, now with nothing to move
    const stopped = await Promise.all(engines.map((e) => e.stop('SIGTERM')));
    expect(stopped.map((s) => s.code)).toEqual([0, 0]);

    const runs = await loggedRuns(t.logger.url, { runName: 'shared route' });
    // One route run = every pass with its runStamp; intervals from the first start to the last result posted.
    const byStamp = new Map<string, { start: number; end: number }>();
    for (const r of runs) {
      const span = byStamp.get(r.runStamp) ?? { start: Date.parse(r.startedAt), end: Date.parse(r.lastReceivedAt) };
      span.start = Math.min(span.start, Date.parse(r.startedAt));
      span.end = Math.max(span.end, Date.parse(r.lastReceivedAt));
      byStamp.set(r.runStamp, span);
    }
    const spans = [...byStamp.values()].sort((a, b) => a.start - b.start);
    expect(spans.length).toBeGreaterThanOrEqual(6); // both directions of at least three route runs
    for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeGreaterThanOrEqual(spans[i - 1].end);
    const ran = engines.map((e) => (e.stderr().match(/"msg":"pass ended"/g) ?? []).length);
    expect(ran[0] + ran[1]).toBe(spans.length);
  });
});
