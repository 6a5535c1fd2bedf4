/**
 * The /metrics answers of the endpoint server, the event logger and the engine pass Prometheus' own linter,
 * `promtool check metrics` (naming conventions: a counter ends in `_total`, a gauge does not, units, help
 * texts), after some traffic so that every family has samples. promtool is Debian's `prometheus` package
 * (.ci/run installs it): without it the test fails in CI (CI=true) and is skipped, visibly, elsewhere.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import request from 'supertest';
import type { Express } from 'express';
import { engineSchema, loggerSchema } from '../../src/config/engineSchema';
import { securitySchema } from '../../src/config/securitySchema';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { startEngineListener, type EngineListener } from '../../src/engine/listener';
import { inProcessLocks } from '../../src/engine/routeLock';
import { createLoggerApp } from '../../src/logger/app';
import { securityPolicy } from '../../src/security/policy';
import { describeEachDatabase } from '../support/databases';
import { openTestApp } from '../endpoint/support/app';
import { testConfig } from '../endpoint/support/testConfig';
import { basic } from '../security/support';

const promtoolFound = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const inCi = process.env.CI === 'true';
const NOWHERE = 'http://127.0.0.1:9/sdata/crm/test/-/accounts';
const open = securityPolicy({ users: [], anonymous: ['admin'] }, '127.0.0.1');

/** promtool's verdict on a /metrics answer: its complaints, one a line; empty when it passes. */
function promtoolComplaints(metrics: string): string {
  try {
    execFileSync('promtool', ['check', 'metrics'], { input: metrics, stdio: ['pipe', 'pipe', 'pipe'] });
    return '';
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    return `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`.trim() || e.message;
  }
}

/** A few requests (a success, a 404, a refused password), then the app's /metrics text. */
async function scrapedAfterTraffic(app: Express | string, okPath: string): Promise<string> {
  await request(app).get(okPath);
  await request(app).get('/no/such/place');
  await request(app).get(okPath).set('Authorization', basic('nobody', 'wrong'));
  const res = await request(app).get('/metrics').expect(200);
  return res.text;
}

if (!promtoolFound && inCi) {
  it('promtool is installed (CI=true: .ci/run installs Debian\'s prometheus package)', () => {
    throw new Error('promtool not found on PATH: apt-get install prometheus');
  });
}

const describeWithPromtool = promtoolFound ? describeEachDatabase : (title: string, body: Parameters<typeof describeEachDatabase>[1]) => describeEachDatabase(`${title} (skipped: promtool is not installed)`, body);
const itWithPromtool = promtoolFound ? it : it.skip;

describeWithPromtool('promtool check metrics', (tdb) => {
  let engine: RunningEngine | undefined;
  let listener: EngineListener | undefined;
  afterAll(async () => {
    await listener?.close();
    await engine?.stop();
  });

  itWithPromtool('passes on the endpoint server /metrics', async () => {
    const t = await openTestApp(tdb, testConfig({ security: { users: [], anonymous: ['admin'] } }));
    expect(promtoolComplaints(await scrapedAfterTraffic(t.app, '/sdata/crm/test/-/accounts'))).toBe('');
  });

  itWithPromtool('passes on the event logger /metrics', async () => {
    const db = await tdb.open();
    const { app } = createLoggerApp({ db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://logger.test', security: open });
    expect(promtoolComplaints(await scrapedAfterTraffic(app, '/logs/runs'))).toBe('');
  });

  itWithPromtool('passes on the engine /metrics', async () => {
    const cfg = engineSchema.parse({ http: { port: 0 }, retry: { attempts: 1 }, routes: [{ name: 'nightly', source: NOWHERE, target: NOWHERE.replace('crm', 'erp'), schedule: '0 0 3 * * *' }] });
    engine = await startEngine(cfg, { locks: inProcessLocks() });
    listener = await startEngineListener({ engine: cfg, security: securitySchema.parse({ anonymous: ['admin'] }) }, engine, { port: 0 });
    expect(promtoolComplaints(await scrapedAfterTraffic(listener.url, '/routes'))).toBe('');
  });
});
