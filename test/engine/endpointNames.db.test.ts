/**
 * One endpoint, one name: passes that reach the same endpoints through `localhost` and through `127.0.0.1`
 * are one route at the event logger, and a conflict they make fires newConflict once (a real endpoint
 * server and logger on loopback, PGlite and PostgreSQL with DATABASE_URL).
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { SDataClient } from '../../src/engine/sdataClient';
import { runPass } from '../../src/engine/pass';
import { startLogger, type RunningLogger } from '../../src/logger/service';
import type { AlertPost } from '../../src/logger/alerting';
import type { DashboardData } from '../../src/logger/dashboardData';
import { describeEachDatabase } from '../support/databases';
import { create, loggedRuns, readAll, update, waitUntil } from '../e2e/support/sdata';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };

describeEachDatabase('one endpoint, one name', (tdb) => {
  let server: RunningServer;
  let logger: RunningLogger;
  let hook: Server;
  const alerts: AlertPost[] = [];

  beforeAll(async () => {
    const db = await tdb.open();
    const hookApp = express();
    hookApp.post('/hook', express.json(), (req, res) => {
      if (req.body.alert) alerts.push(req.body as AlertPost);
      res.status(204).end();
    });
    hook = createServer(hookApp);
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const cfg = parseConfig({ ...demoConfig, server: { port: 0 }, logger: { port: 0, webhookUrl: hookUrl, observe: { intervalSeconds: 1 }, alerts: [{ name: 'conflicts', when: 'newConflict' }] } }, {});
    server = await startServer(cfg, { db, port: 0 });
    logger = await startLogger(cfg, { db, port: 0 });
  });

  afterAll(async () => {
    await logger?.close();
    await server?.close();
    if (hook) await new Promise((resolve) => hook.close(resolve));
  });

  it('passes through localhost and through 127.0.0.1 make one route, and one conflict fires newConflict once', async () => {
    const port = new URL(server.url).port;
    const via = (host: string, app: string) => `http://${host}:${port}/sdata/${app}/test/-/accounts`;
    const pass = (host: string, n: number) =>
      runPass({ source: via(host, 'crm'), target: via(host, 'erp'), client: new SDataClient({ run: { runName: 'two names', runStamp: new Date(Date.now() + n).toISOString() }, retry: fast }), loggers: [logger.ingestUrl] });

    await create(via('127.0.0.1', 'crm'), 'account', { name: 'Named twice' }, 'N1');
    expect(await pass('localhost', 1)).toMatchObject({ state: 'done', created: 1 });
    const [atErp] = await readAll(via('127.0.0.1', 'erp'));
    // Both sides change it: the next pass, through the other name, finds a conflict.
    await update(via('localhost', 'crm'), 'N1', 'account', { name: 'Changed at crm' });
    await update(via('127.0.0.1', 'erp'), atErp.key, 'account', { name: 'Changed at erp' });
    expect(await pass('127.0.0.1', 2)).toMatchObject({ state: 'done', conflicts: 1 });

    const runs = await loggedRuns(logger.url, { runName: 'two names' });
    expect(runs).toHaveLength(2);
    expect(new Set(runs.map((r) => `${r.source} -> ${r.target} (${r.kind})`))).toEqual(new Set([`${via('localhost', 'crm')} -> ${via('localhost', 'erp')} (accounts)`]));

    // The observer reads the target twice more (its conflict stays open): still one route, one firing.
    const dashboard = async () => (await (await fetch(`${logger.url}/dashboard/data`)).json()) as DashboardData;
    const firstRead = (await dashboard()).refreshedAt ?? '';
    await waitUntil('the observer has read the endpoints twice more', async () => {
      const at = (await dashboard()).refreshedAt ?? '';
      return at > firstRead && Date.parse(at) - Date.parse(firstRead) >= 1000;
    });
    await logger.idle();
    const routes = (await dashboard()).routes.filter((r) => r.kind === 'accounts');
    expect(routes.map((r) => [r.source, r.target])).toEqual([[via('localhost', 'crm'), via('localhost', 'erp')]]);
    const fired = alerts.filter((a) => a.alert.name === 'conflicts' && a.alert.state === 'firing');
    expect(fired.map((a) => a.alert.route)).toEqual([{ source: via('localhost', 'crm'), target: via('localhost', 'erp'), kind: 'accounts' }]);
  });
});
