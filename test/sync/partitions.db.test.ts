/**
 * A head office and its two subsidiaries, synchronised through partition endpoints by the engine (one
 * endpoint server and the engine in this process, on loopback; PGlite, and PostgreSQL when DATABASE_URL is
 * set): `hq` has its accounts partitioned by country (FR, DE), `fr` and `de` have plain accounts. Routes:
 * hq's FR partition with fr and hq's DE partition with de, both ways; one of them run by the engine daemon
 * as a configured route named by its URLs, the others by `runPass`. A move of an account from FR to DE at
 * hq takes it from fr to de; a move at fr (its country changed there) reaches hq's DE partition and de; a
 * watch route follows a partition's $syncNotify stream.
 * The passes report to an event logger, whose dashboard reads the partitions' digests and listings; the
 * command line (`digest`, `export`, `import`, `pass`, a two-phase `distribute`) takes partition URLs too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { main } from '../../src/cli/program';
import { engineSchema, loggerSchema } from '../../src/config/engineSchema';
import { parseConfig } from '../../src/config/load';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { runPass } from '../../src/engine/pass';
import { routeName } from '../../src/engine/route';
import { SDataClient } from '../../src/engine/sdataClient';
import { createLoggerApp, type LoggerApp } from '../../src/logger/app';
import type { DashboardData } from '../../src/logger/dashboardData';
import { securityPolicy } from '../../src/security/policy';
import { canonicalUrl } from '../../src/protocol/endpointUrl';
import { serviceUrl } from '../../src/protocol/serviceUrl';
import { describeEachDatabase } from '../support/databases';
import { create, DEMO_NS, readAll, update, valuesByUuid, waitUntil, type StoredResource } from '../e2e/support/sdata';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };
const FR = "country eq 'FR'";
const DE = "country eq 'DE'";

const accounts = (partitioned: boolean) => ({
  name: 'accounts',
  element: 'account',
  properties: { name: { type: 'string', required: true }, country: { type: 'string', required: true } },
  ...(partitioned ? { partitions: [{ where: FR }, { where: DE }] } : {}),
});

describeEachDatabase('partition endpoints synchronised by the engine (hq with FR and DE, subsidiaries fr and de)', (tdb) => {
  let server: RunningServer;
  let engine: RunningEngine;
  let logger: LoggerApp;
  let loggerServer: Server;
  let ingestUrl: string;
  let hq: string;
  let hqFR: string;
  let hqDE: string;
  let fr: string;
  let de: string;
  let runs = 0;

  const pass = (source: string, target: string) =>
    runPass({ source, target, pageSize: 2, loggers: [ingestUrl], client: new SDataClient({ run: { runName: `partitions ${++runs}`, runStamp: new Date().toISOString() }, retry: fast }) });

  /** The FR route by the engine daemon (both ways), the DE route by passes both ways. */
  async function syncAll(): Promise<void> {
    const outcome = await (await engine.routes[0].runner!.start('request'))!.finished;
    expect(outcome).toMatchObject({ skipped: false, failures: [] });
    await pass(hqDE, de);
    await pass(de, hqDE);
  }

  const byName = (rs: StoredResource[]) => Object.fromEntries(rs.map((r) => [r.values.name, r.values.country]));

  beforeAll(async () => {
    const db = await tdb.open();
    const cfg = parseConfig(
      {
        server: { port: 0 },
        log: { level: process.env.PARTITIONS_LOG ?? 'silent' },
        sync: { answerWithinMillis: 5 },
        applications: ['hq', 'fr', 'de'].map((name, i) => ({ name, contract: 'test', namespace: DEMO_NS, conflictPriority: i + 1, kinds: [accounts(name === 'hq')] })),
      },
      {},
    );
    server = await startServer(cfg, { db, port: 0 });
    hq = `${server.url}/sdata/hq/test/-/accounts`;
    // Written as a person would type them; the engine speaks of them in their one spelling.
    hqFR = `${hq}?where=${encodeURIComponent(FR)}`;
    hqDE = `${hq}?where=country+eq+%27DE%27`;
    fr = `${server.url}/sdata/fr/test/-/accounts`;
    de = `${server.url}/sdata/de/test/-/accounts`;
    logger = createLoggerApp({ db, cfg: loggerSchema.parse({ observe: { origins: [hq, de] } }), baseUrl: () => 'http://127.0.0.1', security: securityPolicy({ users: [] }, '127.0.0.1') });
    loggerServer = createServer(logger.app);
    await new Promise<void>((resolve) => loggerServer.listen(0, '127.0.0.1', resolve));
    ingestUrl = `http://127.0.0.1:${(loggerServer.address() as AddressInfo).port}/logs/$syncResults`;
    engine = await startEngine(engineSchema.parse({ retry: fast, routes: [{ source: hqFR, target: fr, direction: 'bothWays', schedule: '0 0 3 * * *' }] }));
  });

  const dir = mkdtempSync(join(tmpdir(), 'sdata-partitions-'));
  const cliConfig = join(dir, 'cli.yaml');
  writeFileSync(cliConfig, 'log:\n  level: silent\nengine:\n  retry: { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 }\n');

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await engine?.stop();
    await logger?.monitor.stop();
    await new Promise((resolve) => loggerServer?.close(resolve));
    await server?.close();
  });

  it("the kind URL is not a sync endpoint: its sync URLs answer 400 naming the partitions, the partitions' answer", async () => {
    const refused = await fetch(serviceUrl(hq, '$syncDigest'));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('where=');
    for (const p of [hqFR, hqDE]) expect((await fetch(serviceUrl(p, '$syncDigest'))).status).toBe(200);
  });

  it('a create at each end reaches the other end of its partition, and only it', async () => {
    await create(hq, 'account', { name: 'Hq Paris', country: 'FR' });
    await create(hq, 'account', { name: 'Hq Berlin', country: 'DE' });
    await create(fr, 'account', { name: 'Lyon', country: 'FR' });
    await create(de, 'account', { name: 'Hamburg', country: 'DE' });
    await syncAll();

    expect(byName(await readAll(fr))).toEqual({ 'Hq Paris': 'FR', Lyon: 'FR' });
    expect(byName(await readAll(de))).toEqual({ 'Hq Berlin': 'DE', Hamburg: 'DE' });
    expect(Object.fromEntries(await valuesByUuid(hqFR))).toEqual(Object.fromEntries(await valuesByUuid(fr)));
    expect(Object.fromEntries(await valuesByUuid(hqDE))).toEqual(Object.fromEntries(await valuesByUuid(de)));
    expect(byName(await readAll(hq))).toEqual({ 'Hq Paris': 'FR', 'Hq Berlin': 'DE', Lyon: 'FR', Hamburg: 'DE' });
    // The configured route is named by its URLs, in their one spelling.
    expect(routeName(engine.routes[0].config)).toBe(`${hq}?where=country%20eq%20'FR' -> ${fr}`);
  });

  it('the command line takes partition URLs: digest, export and import, pass, a two-phase distribute', async () => {
    await create(hq, 'account', { name: 'Hq Marseille', country: 'FR' });
    await create(hq, 'account', { name: 'Hq München', country: 'DE' });
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const floor = join(dir, 'fr-digest.xml');
      const files = join(dir, 'to-fr');
      expect(await main(['digest', '--endpoint', fr, '--out', floor, '--config', cliConfig])).toBe(0);
      expect(await main(['export', '--source', hqFR, '--floor', floor, '--out', files, '--config', cliConfig])).toBe(0);
      expect(await main(['import', '--target', fr, files, '--config', cliConfig])).toBe(0);
      expect(await main(['pass', '--source', fr, '--target', hqFR, '--config', cliConfig])).toBe(0);
      expect(await main(['distribute', '--source', hqDE, '--targets', de, '--two-phase', '--config', cliConfig])).toBe(0);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(byName(await readAll(fr))).toEqual({ 'Hq Paris': 'FR', Lyon: 'FR', 'Hq Marseille': 'FR' });
    expect(byName(await readAll(de))).toEqual({ 'Hq Berlin': 'DE', Hamburg: 'DE', 'Hq München': 'DE' });
    expect(Object.fromEntries(await valuesByUuid(hqFR))).toEqual(Object.fromEntries(await valuesByUuid(fr)));
    expect(Object.fromEntries(await valuesByUuid(hqDE))).toEqual(Object.fromEntries(await valuesByUuid(de)));
  });

  it('a move from FR to DE at hq takes the account from fr to de, the same UUID', async () => {
    const paris = (await readAll(hq)).find((r) => r.values.name === 'Hq Paris')!;
    await update(hq, paris.key, 'account', { name: 'Hq Paris', country: 'DE' });
    expect((await readAll(hqFR)).map((r) => r.uuid)).not.toContain(paris.uuid);
    expect((await readAll(hqDE)).map((r) => r.uuid)).toContain(paris.uuid);
    await syncAll();

    expect(byName(await readAll(fr))).toEqual({ Lyon: 'FR', 'Hq Marseille': 'FR' });
    expect((await valuesByUuid(de)).get(paris.uuid)).toEqual({ name: 'Hq Paris', country: 'DE' });
    expect(Object.fromEntries(await valuesByUuid(hqFR))).toEqual(Object.fromEntries(await valuesByUuid(fr)));
    expect(Object.fromEntries(await valuesByUuid(hqDE))).toEqual(Object.fromEntries(await valuesByUuid(de)));
  });

  it("a move at fr (the account's country changed to DE there) reaches hq's DE partition and de, and leaves fr", async () => {
    const lyon = (await readAll(fr)).find((r) => r.values.name === 'Lyon')!;
    await update(fr, lyon.key, 'account', { name: 'Lyon', country: 'DE' });
    // fr -> hq's FR partition stores the move in DE and a departure in FR; the departure reaches fr as a
    // delete on the next FR pass.
    await syncAll();
    await syncAll();

    expect((await valuesByUuid(hqDE)).get(lyon.uuid)).toEqual({ name: 'Lyon', country: 'DE' });
    expect((await valuesByUuid(hqFR)).has(lyon.uuid)).toBe(false);
    expect((await valuesByUuid(de)).get(lyon.uuid)).toEqual({ name: 'Lyon', country: 'DE' });
    expect(byName(await readAll(fr))).toEqual({ 'Hq Marseille': 'FR' });
    expect(Object.fromEntries(await valuesByUuid(hqDE))).toEqual(Object.fromEntries(await valuesByUuid(de)));
    expect(byName(await readAll(hq))).toEqual({ 'Hq Paris': 'DE', 'Hq Berlin': 'DE', Lyon: 'DE', Hamburg: 'DE', 'Hq Marseille': 'FR', 'Hq München': 'DE' });
  });

  it("the logger's dashboard shows the routes of the partitions and observes the partition endpoints", async () => {
    await logger.monitor.observer.refresh();
    const data = (await request(logger.app).get('/dashboard/data').expect(200)).body as DashboardData;
    const partitionDE = canonicalUrl(hqDE);
    const deCanonical = canonicalUrl(de);
    expect(data.routes.map((r) => [r.source, r.target]).sort()).toEqual(
      [
        [deCanonical, partitionDE],
        [partitionDE, deCanonical],
      ].sort(),
    );
    expect(data.endpoints.map((e) => e.url).sort()).toEqual([deCanonical, partitionDE].sort());
    expect(data.matrix.columns).toContain(partitionDE);
    // observe.origins names the kind URL: its partitions are under it.
    expect(data.notObserved).toEqual([]);
  });

  it("a watch route from hq's DE partition to de carries a change that the partition's $syncNotify stream announces", async () => {
    // $syncDigest is polled only every 10 minutes: within the wait, only the stream can start the pass.
    const watching = await startEngine(engineSchema.parse({ retry: fast, watch: { pollSeconds: 600 }, routes: [{ name: 'hq-DE to de', source: hqDE, target: de, mode: 'watch' }] }));
    try {
      await watching.streaming[0].ready();
      await create(hq, 'account', { name: 'Hq Bonn', country: 'DE' });
      await waitUntil('the first account reached de', async () => byName(await readAll(de))['Hq Bonn'] === 'DE', 20_000);
      // The route has read the partition's digest once: only the stream can tell it of the next change.
      await create(hq, 'account', { name: 'Hq Köln', country: 'DE' });
      await waitUntil('the account reached de', async () => byName(await readAll(de))['Hq Köln'] === 'DE', 20_000);
    } finally {
      await watching.stop();
    }
    await pass(de, hqDE);
  });

  it('a further pass moves nothing', async () => {
    for (const [s, t] of [
      [hqFR, fr],
      [fr, hqFR],
      [hqDE, de],
      [de, hqDE],
    ]) {
      expect((await pass(s, t)).entries).toBe(0);
    }
  });
});
