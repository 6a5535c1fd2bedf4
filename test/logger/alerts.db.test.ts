/**
 * Alert rules through the logger: run posts arrive over HTTP, the observer reads the digests of the two
 * endpoints the runs name (an HTTP server standing in for them, its digests set by the test), and a real
 * webhook receiver counts what the logger posts: once per episode, again after a recovery.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import request from 'supertest';
import { buildResultFeed } from '../../src/atom/resultFeed';
import { digestEntryDocument } from '../../src/atom/digestXml';
import { feedNode } from '../../src/atom/feed';
import { renderXml } from '../../src/atom/write';
import { loggerSchema } from '../../src/config/engineSchema';
import { createLoggerApp, type LoggerApp } from '../../src/logger/app';
import type { AlertPost } from '../../src/logger/alerting';
import type { Digest } from '../../src/protocol/types';
import { securityPolicy } from '../../src/security/policy';
import { canonicalUrl } from '../../src/protocol/endpointUrl';
import { describeEachDatabase } from '../support/databases';

const STAMP = '2026-12-01T10:00:00.000Z';

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describeEachDatabase('alert rules of the logger', (tdb) => {
  let logger: LoggerApp;
  let hook: { server: Server; url: string };
  let endpoints: { server: Server; url: string };
  let source: string;
  let target: string;
  const posts: AlertPost[] = [];
  /** The digests the stand-in endpoints answer: each endpoint's own tick, and the target's entry for the source. */
  const ticks = { source: 10, targetHasOfSource: 10 };

  const digestOf = (url: string): Digest => ({
    entries:
      url === source
        ? [{ endpoint: source, tick: ticks.source, stamp: STAMP, conflictPriority: 1 }]
        : [
            { endpoint: source, tick: ticks.targetHasOfSource, stamp: STAMP, conflictPriority: 1 },
            { endpoint: target, tick: 1, stamp: STAMP, conflictPriority: 2 },
          ],
  });

  beforeAll(async () => {
    const hookApp = express();
    hookApp.post('/hook', express.json(), (req, res) => {
      if (req.body.alert) posts.push(req.body as AlertPost);
      res.status(204).end();
    });
    hook = await listen(hookApp);
    const endpointApp = express();
    endpointApp.use((req, res) => {
      const m = /^(.*)\/\$(syncDigest|conflicts|failures)$/.exec(decodeURIComponent(req.path));
      if (!m) return void res.status(404).end();
      const url = `${endpoints.url}${m[1]}`;
      if (m[2] === 'syncDigest') return void res.type('application/atom+xml').send(digestEntryDocument(digestOf(url), url, STAMP));
      res.type('application/atom+xml').send(renderXml(feedNode({ id: `${url}/$${m[2]}`, title: m[2], updated: STAMP, links: [], totalResults: 0, startIndex: 1, itemsPerPage: 50, entries: [] })));
    });
    endpoints = await listen(endpointApp);
    source = `${endpoints.url}/sdata/crm/test/-/accounts`;
    target = `${endpoints.url}/sdata/erp/test/-/accounts`;
    const cfg = loggerSchema.parse({
      webhookUrl: `${hook.url}/hook`,
      alerts: [
        { name: 'behind', when: 'routeBehind', ticks: 2 },
        { name: 'failed', when: 'passFailed' },
      ],
    });
    logger = createLoggerApp({ db: await tdb.open(), cfg, baseUrl: () => 'http://127.0.0.1:3100', security: securityPolicy({ users: [] }, '127.0.0.1') });
  });

  afterAll(async () => {
    await logger.monitor.stop();
    await Promise.all([hook, endpoints].map(({ server }) => new Promise((resolve) => server.close(resolve))));
  });

  async function postRun(runStamp: string, state: 'done' | 'failed'): Promise<void> {
    const feed = buildResultFeed({ id: `${target}/$syncTarget`, title: 'r', updated: STAMP, entries: [], diagnoses: [], runName: 'nightly', runStamp, source, target, kind: 'accounts' });
    const res = await request(logger.app).post('/logs/$syncResults').query({ runName: 'nightly', runStamp, source, target, kind: 'accounts', state }).send(feed);
    expect(res.status).toBe(200);
    await logger.idle();
  }

  async function observe(): Promise<void> {
    await logger.monitor.observer.refresh();
    await logger.idle();
  }

  const seen = (name: string) => posts.filter((p) => p.alert.name === name).map((p) => p.alert.state);

  it('fires once while a route stays behind, posts its recovery once, and fires again when it falls behind again', async () => {
    await postRun('2026-12-01T10:00:00.000Z', 'done');
    expect(seen('behind')).toEqual([]); // no digest read yet: nothing to tell
    await observe();
    expect(seen('behind')).toEqual([]); // lag 0

    ticks.source = 15; // 5 ticks the target lacks, over the threshold of 2
    await observe();
    expect(seen('behind')).toEqual(['firing']);
    expect(posts[0].alert).toMatchObject({ when: 'routeBehind', ticks: 2, value: 5, route: { source: canonicalUrl(source), target: canonicalUrl(target), kind: 'accounts' } });
    await observe();
    await postRun('2026-12-01T10:01:00.000Z', 'done');
    await observe();
    expect(seen('behind')).toEqual(['firing']); // still the same episode

    ticks.targetHasOfSource = 15;
    await observe();
    await observe();
    expect(seen('behind')).toEqual(['firing', 'recovered']);

    ticks.source = 30;
    await observe();
    await observe();
    expect(seen('behind')).toEqual(['firing', 'recovered', 'firing']);
  });

  it('fires once for failed passes in a row, and again after a done one', async () => {
    await postRun('2026-12-01T11:00:00.000Z', 'failed');
    await postRun('2026-12-01T11:01:00.000Z', 'failed');
    await observe();
    expect(seen('failed')).toEqual(['firing']);
    await postRun('2026-12-01T11:02:00.000Z', 'done');
    await postRun('2026-12-01T11:03:00.000Z', 'failed');
    expect(seen('failed')).toEqual(['firing', 'recovered', 'firing']);
  });
});
