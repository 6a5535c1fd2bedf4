/** The event logger over HTTP (supertest), on PGlite and PostgreSQL: ingest, run records, event filters, webhook. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import request from 'supertest';
import { buildResultFeed, type ResultEntry } from '../../src/atom/resultFeed';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed, childText, parseXml, type XmlElement } from '../../src/atom/xml';
import { loggerSchema } from '../../src/config/engineSchema';
import { createLoggerApp, type LoggerApp } from '../../src/logger/app';
import { describeEachDatabase } from '../support/databases';
import type { Db } from '../../src/store/db';
import { securityPolicy } from '../../src/security/policy';

const SOURCE = 'http://localhost:3000/sdata/crm/test/-/contacts';
const TARGET = 'http://localhost:3001/sdata/erp/test/-/contacts';

function resultFeed(entries: ResultEntry[]): string {
  return buildResultFeed({ id: `${TARGET}/$syncTarget('x')`, title: 'result', updated: new Date().toISOString(), entries, diagnoses: [], runName: 'r', runStamp: 's', source: SOURCE, target: TARGET, kind: 'contacts' });
}

const created = (n: number): ResultEntry => ({ id: `${SOURCE}('${n}')`, uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, location: `${TARGET}('${n}')`, httpStatus: 201, httpMessage: 'Created', httpMethod: 'POST', diagnoses: [] });
const failed: ResultEntry = {
  id: `${SOURCE}('bad')`,
  uuid: '00000000-0000-4000-8000-00000000bad0',
  location: `${SOURCE}('bad')`,
  httpStatus: 422,
  httpMessage: 'Unprocessable Entity: quarantined at $failures',
  diagnoses: [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'UnresolvedReference', message: 'account 1234 is unknown', payloadPath: 'contact/account' }],
};
const skipped: ResultEntry = { id: `${SOURCE}('old')`, uuid: '00000000-0000-4000-8000-000000000old'.replace('old', '0ff'), httpStatus: 304, httpMessage: 'Not Modified', diagnoses: [{ severity: 'Info', sdataCode: 'ApplicationDiagnosis', applicationCode: 'Skipped', message: 'target is newer' }] };

const xText = (e: XmlElement, name: string) => childText(child(e, NS.x, 'run'), NS.x, name);

describeEachDatabase('event logger HTTP', (tdb) => {
  let logger: LoggerApp;
  let hook: Server;
  const calls: unknown[] = [];
  const run = { runName: 'nightly', runStamp: '2026-11-22T12:00:00.000Z', source: SOURCE, target: TARGET, kind: 'contacts' };

  let db: Db;

  beforeAll(async () => {
    db = await tdb.open();
    const hookApp = express();
    hookApp.post('/hook', express.json(), (req, res) => {
      calls.push(req.body);
      res.status(204).end();
    });
    await new Promise<void>((resolve) => {
      hook = hookApp.listen(0, '127.0.0.1', () => resolve());
    });
    const cfg = loggerSchema.parse({ webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, defaultPageSize: 2 });
    logger = createLoggerApp({ db, cfg, baseUrl: () => 'http://127.0.0.1:3100', security: securityPolicy({ users: [] }, '127.0.0.1') });
  });

  afterAll(async () => {
    await new Promise((resolve) => hook.close(resolve));
  });

  it('accepts result feeds with run metadata and keeps one record per run', async () => {
    const page1 = await request(logger.app)
      .post('/logs/$syncResults')
      .query({ ...run, totalResults: 5, state: 'running' })
      .set('Content-Type', 'application/atom+xml; type=feed')
      .send(resultFeed([created(1), created(2), failed]));
    expect(page1.status).toBe(200);
    // Percent-encoded, as SData clients send it; metadata from the feed itself where the query has none.
    const page2 = await request(logger.app)
      .post('/logs/%24syncResults')
      .query({ runName: run.runName, runStamp: run.runStamp, source: SOURCE, target: TARGET, kind: 'contacts', state: 'done' })
      .set('Content-Type', 'application/atom+xml; type=feed')
      .send(resultFeed([skipped, created(3)]));
    expect(page2.status).toBe(200);

    const runs = await request(logger.app).get('/logs/runs').query({ runName: 'nightly' });
    expect(runs.status).toBe(200);
    expect(runs.headers['content-type']).toMatch(/application\/atom\+xml/);
    const entries = childrenNamed(parseXml(runs.text), NS.atom, 'entry');
    expect(entries).toHaveLength(1);
    const values = Object.fromEntries(['state', 'pages', 'entriesRead', 'entriesWritten', 'failed', 'conflicts', 'pending', 'totalResults', 'source', 'target', 'kind', 'startedAt'].map((k) => [k, xText(entries[0], k)]));
    expect(values).toEqual({ state: 'done', pages: '2', entriesRead: '5', entriesWritten: '3', failed: '1', conflicts: '0', pending: '0', totalResults: '5', source: SOURCE, target: TARGET, kind: 'contacts', startedAt: run.runStamp });
  });

  it('takes the counts the engine sends for a feed without diagnoses, and reads any feed with one', async () => {
    const counted = { runName: 'counted', runStamp: 's1', source: SOURCE, target: TARGET, kind: 'contacts', state: 'done', entries: 2, created: 2, updated: 0, deleted: 0, conflicts: 0, failures: 0, skipped: 0 };
    expect((await request(logger.app).post('/logs/$syncResults').query(counted).send(resultFeed([created(7), created(8)]))).status).toBe(200);
    const withDiagnosis = { ...counted, runStamp: 's2', entries: 1, created: 0, failures: 1 };
    expect((await request(logger.app).post('/logs/$syncResults').query(withDiagnosis).send(resultFeed([failed]))).status).toBe(200);
    const runs = childrenNamed(parseXml((await request(logger.app).get('/logs/runs').query({ runName: 'counted' })).text), NS.atom, 'entry');
    expect(runs.map((e) => [xText(e, 'runStamp'), xText(e, 'entriesRead'), xText(e, 'entriesWritten'), xText(e, 'failed')]).sort()).toEqual([
      ['s1', '2', '2', '0'],
      ['s2', '1', '0', '1'],
    ]);
    const events = parseXml((await request(logger.app).get('/logs/events').query({ runName: 'counted', runStamp: 's2' })).text);
    expect(childText(events, NS.opensearch, 'totalResults')).toBe('1');
  });

  it('serves events filtered by severity, run, endpoint and time, paged', async () => {
    const errors = await request(logger.app).get('/logs/events').query({ severity: 'Error,Fatal', runName: 'nightly' });
    // (the 'counted' run above stored one Error too; filters keep runs apart)
    expect(errors.status).toBe(200);
    const feed = parseXml(errors.text);
    const entries = childrenNamed(feed, NS.atom, 'entry');
    expect(entries).toHaveLength(1);
    const d = child(entries[0], NS.sdata, 'diagnosis');
    expect(childText(d, NS.sdata, 'applicationCode')).toBe('UnresolvedReference');
    expect(childText(d, NS.sdata, 'payloadPath')).toBe('contact/account');
    expect(childText(child(entries[0], NS.x, 'resultEntry'), NS.x, 'httpStatus')).toBe('422');

    const all = await request(logger.app).get('/logs/events').query({ endpoint: 'http://127.0.0.1:3001/sdata/erp/test/-', runName: 'nightly' });
    const allFeed = parseXml(all.text);
    expect(childText(allFeed, NS.opensearch, 'totalResults')).toBe('2');
    expect(childrenNamed(allFeed, NS.atom, 'entry')).toHaveLength(2);
    expect(childText(parseXml((await request(logger.app).get('/logs/events').query({ minSeverity: 'Warning', runName: 'nightly' })).text), NS.opensearch, 'totalResults')).toBe('1');
    expect(childText(parseXml((await request(logger.app).get('/logs/events').query({ endpoint: 'http://127.0.0.1:9/other' })).text), NS.opensearch, 'totalResults')).toBe('0');
    expect(childText(parseXml((await request(logger.app).get('/logs/events').query({ since: '2999-01-01T00:00:00Z' })).text), NS.opensearch, 'totalResults')).toBe('0');

    const paged = parseXml((await request(logger.app).get('/logs/events').query({ count: 1 })).text);
    expect(childrenNamed(paged, NS.atom, 'entry')).toHaveLength(1);
    const next = childrenNamed(paged, NS.atom, 'link').find((l) => l.attrs.some((a) => a.name === 'rel' && a.value === 'next'));
    expect(next).toBeDefined();
  });

  it('calls the webhook with the Error diagnoses of a post', async () => {
    await logger.idle();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ run: { runName: 'nightly', kind: 'contacts', source: SOURCE }, events: [{ severity: 'Error', applicationCode: 'UnresolvedReference', httpStatus: 422 }] });
  });

  it('takes since and until as date-times or dates in the years 1 to 9999, and refuses others with a diagnosis', async () => {
    for (const [name, value] of [['until', '-000001-01-01'], ['since', '0000-01-01'], ['since', '0001-01-01T00:30:00+01:00'], ['until', '+010000-01-01T00:00:00Z'], ['since', 'yesterday'], ['since', '2026-02-30']]) {
      const res = await request(logger.app).get('/logs/runs').query({ [name]: value });
      expect([name, value, res.status]).toEqual([name, value, 400]);
      expect(res.text).toContain('BadQueryParameter');
    }
    expect((await request(logger.app).get('/logs/runs').query({ since: '0001-01-01', until: '9999-12-31T23:59:59Z' })).status).toBe(200);
    const sinceDay = await request(logger.app).get('/logs/events').query({ since: '2999-01-01' });
    expect(childText(parseXml(sinceDay.text), NS.opensearch, 'totalResults')).toBe('0');
  });

  it('answers bad requests with sdata diagnoses', async () => {
    const badSeverity = await request(logger.app).get('/logs/events').query({ severity: 'Loud' });
    expect(badSeverity.status).toBe(400);
    expect(badSeverity.text).toContain('BadQueryParameter');
    const badXml = await request(logger.app).post('/logs/$syncResults').set('Content-Type', 'application/atom+xml').send('<feed><unclosed></feed>');
    expect(badXml.status).toBe(400);
    expect(badXml.text).toContain('sdata:diagnoses');
    const badState = await request(logger.app).post('/logs/$syncResults').query({ state: 'sleeping' }).send(resultFeed([]));
    expect(badState.status).toBe(400);
    expect((await request(logger.app).get('/logs/nothing')).status).toBe(404);
  });

  it('answers a body in a charset it cannot read 415 with a diagnosis, as an endpoint does, and stores nothing', async () => {
    const stored = async () => [await db('log_runs').count({ n: '*' }), await db('log_events').count({ n: '*' })].map((r) => Number(r[0].n));
    const before = await stored();
    const res = await request(logger.app).post('/logs/$syncResults').query(run).set('Content-Type', 'application/atom+xml; charset=klingon').send(Buffer.from(resultFeed([created(9)])));
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.text).toContain('<sdata:sdataCode>UnsupportedMediaType</sdata:sdataCode>');
    expect(await stored()).toEqual(before);
  });
});
