/**
 * What the event logger gets of passes whose logger or target is not there, against a real endpoint server
 * and logger on loopback (PGlite, and PostgreSQL with DATABASE_URL):
 * - a logger that is down (answering 503, or not listening) for the middle pages of a pass gets them once it
 *   is back, before or after the pass ended: the run record ends with the pass's final counts and state;
 * - a route given by application URLs whose target is down (its kinds cannot be read) is a failed run at
 *   the logger, and the passFailed alert fires, for a scheduled route and for an immediate one.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { engineSchema } from '../../src/config/engineSchema';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { startEngine } from '../../src/engine/daemon';
import { inProcessLocks } from '../../src/engine/routeLock';
import { SDataClient } from '../../src/engine/sdataClient';
import { runPass, type PassSummary } from '../../src/engine/pass';
import { ResultOutbox } from '../../src/engine/resultOutbox';
import { canonicalUrl } from '../../src/protocol/endpointUrl';
import { startLogger, type RunningLogger } from '../../src/logger/service';
import type { AlertPost } from '../../src/logger/alerting';
import { describeEachDatabase } from '../support/databases';
import { batchCreate, loggedRuns } from '../e2e/support/sdata';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listen(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** A port nothing listens on (taken, then freed). */
async function freePort(): Promise<number> {
  const s = createServer();
  await listen(s);
  const port = (s.address() as AddressInfo).port;
  await close(s);
  return port;
}

describeEachDatabase('results the event logger gets', (tdb) => {
  let server: RunningServer;
  let logger: RunningLogger;
  let hook: Server;
  const alerts: AlertPost[] = [];
  let crm: string;
  let erp: string;
  let runs = 0;

  beforeAll(async () => {
    const db = await tdb.open();
    const hookApp = express();
    hookApp.post('/hook', express.json(), (req, res) => {
      if (req.body.alert) alerts.push(req.body as AlertPost);
      res.status(204).end();
    });
    hook = createServer(hookApp);
    const hookUrl = await listen(hook);
    const cfg = parseConfig(
      { ...demoConfig, server: { port: 0 }, logger: { port: 0, webhookUrl: `${hookUrl}/hook`, observe: { intervalSeconds: 3600 }, alerts: [{ name: 'failed', when: 'passFailed' }] } },
      {},
    );
    server = await startServer(cfg, { db, port: 0 });
    logger = await startLogger(cfg, { db, port: 0 });
    crm = `${server.url}/sdata/crm/test/-`;
    erp = `${server.url}/sdata/erp/test/-`;
  });

  afterAll(async () => {
    await logger?.close();
    await server?.close();
    if (hook) await close(hook);
  });

  /** A stand-in for the logger in front of it: forwards posts while up, answers 503 (or is stopped) while down. */
  async function flakyLogger(): Promise<{ url: string; down(how: '503' | 'stopped'): Promise<void>; up(): Promise<void>; stop(): Promise<void> }> {
    let unavailable = false;
    const app = express();
    app.post('/logs/\\$syncResults', express.text({ type: '*/*', limit: '10mb' }), async (req, res) => {
      if (unavailable) return void res.status(503).end();
      const query = new URL(req.originalUrl, 'http://x').search;
      const answer = await fetch(`${logger.ingestUrl}${query}`, { method: 'POST', headers: { 'content-type': 'application/atom+xml' }, body: req.body as string });
      res.status(answer.status).end();
    });
    let proxy = createServer(app);
    const url = await listen(proxy);
    const port = Number(new URL(url).port);
    return {
      url: `${url}/logs/$syncResults`,
      async down(how) {
        unavailable = true;
        if (how === 'stopped') {
          proxy.closeAllConnections();
          await close(proxy);
        }
      },
      async up() {
        unavailable = false;
        if (!proxy.listening) {
          proxy = createServer(app);
          await listen(proxy, port);
        }
      },
      async stop() {
        if (proxy.listening) {
          proxy.closeAllConnections();
          await close(proxy);
        }
      },
    };
  }

  /** A pass of 5 pages whose logger goes down after page 1 and is back after page `backAfter` (6: after the pass). */
  async function passWithLoggerDown(how: '503' | 'stopped', backAfter: number): Promise<{ summary: PassSummary; runName: string; outbox: ResultOutbox; stop: () => Promise<void> }> {
    const prefix = `${how}-${backAfter}-${++runs}`;
    await batchCreate(`${crm}/accounts`, 'account', Array.from({ length: 10 }, (_, i) => ({ key: `${prefix}-${i}`, values: { name: `Down ${prefix} ${i}` } })));
    const flaky = await flakyLogger();
    const outbox = new ResultOutbox({ capacity: 100, retry: { startingDelayMillis: 10, maxDelayMillis: 50 } });
    const runName = `logger down ${prefix}`;
    const client = new SDataClient({ run: { runName, runStamp: new Date().toISOString() }, retry: fast });
    let turn = Promise.resolve();
    const summary = await runPass({
      source: `${crm}/accounts`,
      target: `${erp}/accounts`,
      client,
      pageSize: 2,
      loggers: [flaky.url],
      outbox,
      onProgress: (p) => {
        if (p.type !== 'page') return;
        if (p.page === 1) turn = turn.then(() => flaky.down(how));
        if (p.page === backAfter) turn = turn.then(() => flaky.up());
      },
    });
    await turn;
    if (backAfter > summary.pages) await flaky.up();
    return { summary, runName, outbox, stop: flaky.stop };
  }

  for (const how of ['503', 'stopped'] as const) {
    for (const backAfter of [3, 6]) {
      it(`a logger ${how === '503' ? 'answering 503' : 'stopped'} for the middle pages, back ${backAfter > 5 ? 'after' : 'before'} the pass ends, gets the whole run`, async () => {
        const { summary, runName, outbox, stop } = await passWithLoggerDown(how, backAfter);
        try {
          expect(summary).toMatchObject({ state: 'done', pages: 5, entries: 10, created: 10 });
          // Posts are delivered in order: once the record is done, every page before the last is in it.
          const run = await until('the run record is closed', async () => {
            const [r] = await loggedRuns(logger.url, { runName });
            return r?.state === 'done' ? r : undefined;
          });
          expect(run).toMatchObject({ state: 'done', pages: 5, entriesRead: 10, created: 10 });
        } finally {
          outbox.close();
          await stop();
        }
      });
    }
  }

  it('a scheduled route given by application URLs whose target is down is a failed run at the logger, and passFailed fires', async () => {
    const deadTarget = canonicalUrl(`http://127.0.0.1:${await freePort()}/sdata/erp/test/-`);
    const engine = await startEngine(
      engineSchema.parse({ loggers: [logger.ingestUrl], retry: fast, passAttempts: 1, routes: [{ name: 'dead target', source: crm, target: deadTarget, schedule: '0 0 1 1 *' }] }),
      { locks: inProcessLocks() },
    );
    try {
      const outcome = await engine.runners[0].runOnce('request');
      expect(outcome).toMatchObject({ skipped: false, passes: [], failures: [{ source: crm }] });
      await engine.stop();
    } catch (err) {
      await engine.stop();
      throw err;
    }
    const [run] = await loggedRuns(logger.url, { runName: 'dead target' });
    expect(run).toMatchObject({ state: 'failed', source: canonicalUrl(crm), target: deadTarget, kind: '' });
    const fired = await until('passFailed fires', async () => {
      await logger.idle();
      return alerts.find((a) => a.alert.name === 'failed' && a.alert.state === 'firing' && a.alert.route.target === deadTarget);
    });
    expect(fired.alert.route).toEqual({ source: canonicalUrl(crm), target: deadTarget, kind: '' });
  });

  it('an immediate route given by application URLs whose target is down is a failed run at the logger until it can start', async () => {
    const deadTarget = canonicalUrl(`http://127.0.0.1:${await freePort()}/sdata/erp/test/-`);
    const engine = await startEngine(
      engineSchema.parse({
        loggers: [logger.ingestUrl],
        retry: { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 200 },
        watch: { retryMillis: 20 },
        routes: [{ name: 'dead immediate', mode: 'immediate', source: crm, target: deadTarget, schedule: '0 0 1 1 *' }],
      }),
      { locks: inProcessLocks() },
    );
    try {
      const run = await until('a failed run is logged', async () => (await loggedRuns(logger.url, { runName: 'dead immediate schema' })).find((r) => r.state === 'failed'));
      expect(run).toMatchObject({ source: canonicalUrl(crm), target: deadTarget, kind: '' });
      await until('passFailed fires', async () => {
        await logger.idle();
        return alerts.find((a) => a.alert.name === 'failed' && a.alert.state === 'firing' && a.alert.route.target === deadTarget);
      });
    } finally {
      await engine.stop();
    }
  });

});
