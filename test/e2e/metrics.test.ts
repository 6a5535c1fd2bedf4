/**
 * End to end, real processes on loopback: endpoint servers crm and erp, the event logger, and an engine with
 * one scheduled route (crm accounts -> erp accounts, scheduled once a year: only `$run` starts it). Their
 * /metrics parse as Prometheus text; a pass of 100 entries moves erp's applied counter by 100 and leaves
 * the route's lag at 0; with erp stopped, 10 changes at crm show as a lag of 10. An outside scheduler's
 * `POST /routes/{name}/$run` runs exactly one pass (a second POST meanwhile gets 409), and the run's status
 * URL ends with the pass's counts, those of the logger's run record.
 */
import { dropDatabases, freePort, spawnCli, writeYaml, type CliProcess, type DatabaseKind } from './support/processes';
import { startTopology, type Topology } from './support/fixtures';
import { batchCreate, loggedRuns, waitUntil } from './support/sdata';
import { scrape, sampleValue } from '../support/prometheus';
import { NS } from '../../src/atom/namespaces';
import { child, childText, parseXml } from '../../src/atom/xml';

jest.setTimeout(180_000);

const databases: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
const ROUTE = 'accounts to erp';
const ROUTE_PATH = `/routes/${encodeURIComponent(ROUTE)}`;
const ERP_ACCOUNTS = '/sdata/erp/test/-/accounts';

afterAll(async () => {
  await dropDatabases();
});

const account = (i: number) => ({ key: `M${i}`, values: { name: `Metric ${i}`, email: `m${i}@example.test`, balance: `${i}.00`, active: 'true', openedOn: '2024-05-17' } });

interface RunStatus {
  id: string;
  state: string;
  counts: Record<string, number>;
  passes: { source: string; target: string; runStamp: string; state: string }[];
}

async function startEngineCli(t: Topology, pageSize: number): Promise<{ proc: CliProcess; url: string }> {
  const file = writeYaml(t.dir, `engine-${pageSize}.yaml`, {
    log: { level: 'warn' },
    engine: {
      http: { port: await freePort() },
      loggers: [t.logger.ingestUrl],
      pageSize,
      passAttempts: 1,
      retry: { attempts: 1 },
      routes: [{ name: ROUTE, source: t.crm.endpoint('accounts'), target: t.erp.endpoint('accounts'), schedule: '0 0 0 1 1 *' }],
    },
  });
  const proc = spawnCli(['engine', '--config', file]);
  const m = await proc.waitForOutput(/engine listening on (http:\/\/\S+)/, 60_000);
  return { proc, url: m[1] };
}

async function runNow(engineUrl: string): Promise<{ status: number; location?: string; body: string }> {
  const res = await fetch(`${engineUrl}${ROUTE_PATH}/$run`, { method: 'POST' });
  return { status: res.status, location: res.headers.get('location') ?? undefined, body: await res.text() };
}

async function finished(engineUrl: string, location: string): Promise<RunStatus> {
  let status: RunStatus | undefined;
  await waitUntil('the run has ended', async () => {
    status = (await (await fetch(`${engineUrl}${location}`)).json()) as RunStatus;
    return status.state !== 'running';
  }, 60_000);
  return status!;
}

const applied = async (serverUrl: string) => sampleValue(await scrape(serverUrl), 'sdata_sync_entries_total', { endpoint: ERP_ACCOUNTS, outcome: 'applied' }) ?? 0;
const lag = async (engineUrl: string) => sampleValue(await scrape(engineUrl), 'sdata_route_lag_ticks', { route: ROUTE });

describe.each(databases)('[%s] metrics and the scheduler routes of real processes', (db) => {
  let t: Topology;
  let engine: { proc: CliProcess; url: string };

  beforeAll(async () => {
    t = await startTopology(db);
    engine = await startEngineCli(t, 20);
  });
  afterAll(async () => {
    await engine?.proc.stop();
    await t?.stop();
  });

  it('serves /metrics in the Prometheus text format on the server, the logger and the engine', async () => {
    for (const url of [t.crm.server.url, t.logger.url, engine.url]) {
      const families = await scrape(url);
      expect(families.find((f) => f.name === 'sdata_process_cpu_seconds_total')).toBeDefined();
    }
    const server = await scrape(t.erp.server.url);
    expect(sampleValue(server, 'sdata_open_conflicts', { endpoint: ERP_ACCOUNTS })).toBe(0);
    expect(sampleValue(server, 'sdata_db_pool_connections', { state: 'used' })).toBeGreaterThanOrEqual(0);
    // The scrape above is counted by its route pattern, never its URL.
    const again = await scrape(t.erp.server.url);
    expect(sampleValue(again, 'sdata_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);
  });

  it('after a pass of 100 entries the applied counter moved by 100 and the lag is 0; the status ends with the logger record counts', async () => {
    await batchCreate(t.crm.endpoint('accounts'), 'account', Array.from({ length: 100 }, (_, i) => account(i + 1)));
    expect(await lag(engine.url)).toBe(100);
    const before = await applied(t.erp.server.url);

    const run = await runNow(engine.url);
    expect(run.status).toBe(202);
    expect(run.location).toMatch(new RegExp(`^${ROUTE_PATH.replace(/[%]/g, '\\$&')}/runs/[0-9a-f-]{36}$`));
    const status = await finished(engine.url, run.location!);

    expect(status.state).toBe('done');
    expect(status.counts).toEqual({ created: 100, updated: 0, deleted: 0, failures: 0, conflicts: 0, skipped: 0, warnings: 0, entriesRead: 100 });
    expect((await applied(t.erp.server.url)) - before).toBe(100);
    expect(await lag(engine.url)).toBe(0);
    const engineMetrics = await scrape(engine.url);
    expect(sampleValue(engineMetrics, 'sdata_route_passes_total', { route: ROUTE, kind: 'pass', outcome: 'done' })).toBe(1);

    // The logger's record of that pass holds the same counts.
    expect(status.passes).toHaveLength(1);
    await waitUntil('the logger closed the run', async () => (await loggedRuns(t.logger.url, { runName: ROUTE, runStamp: status.passes[0].runStamp })).some((r) => r.state === 'done'));
    const [record] = await loggedRuns(t.logger.url, { runName: ROUTE, runStamp: status.passes[0].runStamp });
    const feed = await (await fetch(`${t.logger.url}/logs/runs?runName=${encodeURIComponent(ROUTE)}&runStamp=${encodeURIComponent(status.passes[0].runStamp)}`)).text();
    const count = (name: string) => Number(new RegExp(`<x:${name}>(\\d+)</x:${name}>`).exec(feed)![1]);
    // (The logger keeps warnings as events, not as a count of the run.)
    const { warnings: _warnings, ...counted } = status.counts;
    expect({ created: count('created'), updated: count('updated'), deleted: count('deleted'), failures: count('failed'), conflicts: count('conflicts'), skipped: count('skipped'), entriesRead: record.entriesRead }).toEqual(counted);

    const listed = (await (await fetch(`${engine.url}/routes`)).json()) as { routes: { name: string; state: string; lagTicks: number; lastRun: { id: string; state: string; counts: unknown } }[] };
    expect(listed.routes).toEqual([
      expect.objectContaining({ name: ROUTE, mode: 'scheduled', state: 'idle', lagTicks: 0, lastSuccessAt: expect.any(String), secondsSinceSuccess: expect.any(Number), lastFailure: null, progress: null, lastRun: expect.objectContaining({ id: status.id, state: 'done', counts: status.counts }) }),
    ]);
    const atom = await fetch(`${engine.url}/routes`, { headers: { accept: 'application/atom+xml' } });
    expect(atom.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    const route = child(parseXml(await atom.text()).children.find((c) => c.name === 'entry')!, NS.x, 'route');
    expect([childText(route, NS.x, 'name'), childText(route, NS.x, 'lagTicks'), childText(child(route, NS.x, 'lastRun'), NS.x, 'created')]).toEqual([ROUTE, '0', '100']);
  });

  it('a POST /routes/{name}/$run while the route runs gets 409, and exactly one pass runs', async () => {
    await batchCreate(t.crm.endpoint('accounts'), 'account', Array.from({ length: 400 }, (_, i) => account(1000 + i)));
    const first = await runNow(engine.url);
    expect(first.status).toBe(202);
    // 400 entries in pages of 20: twenty pages, each a round trip to both servers; the POST below comes at once.
    const second = await runNow(engine.url);
    expect(second.status).toBe(409);
    expect(second.body).toContain('RouteRunning');
    // While it runs, GET /routes shows its pass's progress: entries so far of about 400 (the source's estimate,
    // known from the first page on).
    const seen: { entriesDone: number; totalResults: number | null; kind: string }[] = [];
    await waitUntil('a progress shown, or the run ended', async () => {
      const [r] = ((await (await fetch(`${engine.url}/routes`)).json()) as { routes: { state: string; progress: (typeof seen)[number] | null }[] }).routes;
      if (r.progress) seen.push(r.progress);
      return seen.some((p) => p.entriesDone > 0) || r.state !== 'running';
    }, 60_000, 50);
    expect(seen.length).toBeGreaterThan(0);
    for (const p of seen) expect([p.kind, p.entriesDone === 0 || p.totalResults === 400, p.entriesDone <= 400]).toEqual(['accounts', true, true]);
    const status = await finished(engine.url, first.location!);
    expect(status.state).toBe('done');
    expect(status.counts).toMatchObject({ created: 400, entriesRead: 400 });
    expect(status.passes).toHaveLength(1);
    const runs = await loggedRuns(t.logger.url, { runName: ROUTE });
    expect(runs.filter((r) => r.runStamp === status.passes[0].runStamp)).toHaveLength(1);
    expect(runs).toHaveLength(2); // this test's pass and the previous test's: the refused POST ran nothing
    expect(sampleValue(await scrape(engine.url), 'sdata_route_passes_total', { route: ROUTE, kind: 'pass', outcome: 'done' })).toBe(2);
  });

  it('answers 404 for an unknown route and for an unknown run, with a diagnosis', async () => {
    const unknown = await fetch(`${engine.url}/routes/nope/$run`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('sdata:diagnosis');
    const noRun = await fetch(`${engine.url}${ROUTE_PATH}/runs/00000000-0000-4000-8000-000000000000?format=json`);
    expect(noRun.status).toBe(404);
    expect(((await noRun.json()) as { $diagnoses: { sdataCode: string }[] }).$diagnoses[0].sdataCode).toBe('ResourceNotFound');
    const tooLong = await fetch(`${engine.url}/routes/${'x'.repeat(700)}/$run`, { method: 'POST' });
    expect(tooLong.status).toBe(400);
  });

  it('with the target stopped and 10 changes at the source, the lag gauge shows 10', async () => {
    expect(await lag(engine.url)).toBe(0);
    await t.erp.server.proc.stop();
    await batchCreate(t.crm.endpoint('accounts'), 'account', Array.from({ length: 10 }, (_, i) => account(5000 + i)));
    expect(await lag(engine.url)).toBe(10);
    const listed = (await (await fetch(`${engine.url}/routes`)).json()) as { routes: { lagTicks: number }[] };
    expect(listed.routes[0].lagTicks).toBe(10);
    await t.erp.restart();
  });
});
