/**
 * Bytes of a request body: invalid UTF-8 (the issue: FF FE inside a <name> was stored as replacement
 * characters and answered 201), a charset other than UTF-8, and characters XML forbids in any form (raw,
 * as a character reference, in text, an attribute or CDATA) are a 400 (415 for the charset) with a
 * diagnosis, on every route that takes a body, and nothing is stored.
 */
import request from 'supertest';
import { NS } from '../../src/atom/namespaces';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { loggerSchema } from '../../src/config/engineSchema';
import { securityPolicy } from '../../src/security/policy';
import { createLoggerApp } from '../../src/logger/app';
import { buildResultFeed } from '../../src/atom/resultFeed';
import { describeEachDatabase } from '../support/databases';
import { getDigestXml, pathOf } from '../support/syncByHand';
import { asText, openTestApp, snapshot, type TestApp } from './support/app';
import { CRM, ERP } from './support/testConfig';
import { account, entryWith } from './support/xmlBodies';
import type express from 'express';

const A = `${CRM}/accounts`;
const B = `${ERP}/accounts`;

interface Route {
  name: string;
  method: 'post' | 'put';
  path: string;
  body: string;
  app: 'server' | 'logger';
}

/** The body with `insert` put just before its first closing tag (inside the first leaf element's text). */
function spliced(body: string, insert: Buffer): Buffer {
  const at = body.indexOf('</');
  return Buffer.concat([Buffer.from(body.slice(0, at), 'utf8'), insert, Buffer.from(body.slice(at), 'utf8')]);
}

/** The body with an attribute added to its root element. */
function withRootAttribute(body: string, attribute: string): Buffer {
  const start = body.indexOf('<', body.startsWith('<?xml') ? body.indexOf('?>') : 0);
  const end = body.indexOf(' ', start);
  return Buffer.from(`${body.slice(0, end)} ${attribute}${body.slice(end)}`, 'utf8');
}

const SPOILERS: [string, (body: string) => Buffer, number, string][] = [
  ['bytes FF FE (not UTF-8)', (b) => spliced(b, Buffer.from([0xff, 0xfe])), 400, 'InvalidEncoding'],
  ['a truncated UTF-8 sequence', (b) => spliced(b, Buffer.from([0xc3])), 400, 'InvalidEncoding'],
  ['an encoded surrogate (ED A0 80)', (b) => spliced(b, Buffer.from([0xed, 0xa0, 0x80])), 400, 'InvalidEncoding'],
  ['a raw NUL', (b) => spliced(b, Buffer.from([0x00])), 400, 'MalformedXml'],
  ['a raw C0 control (U+0001)', (b) => spliced(b, Buffer.from([0x01])), 400, 'MalformedXml'],
  ['a raw U+FFFF', (b) => spliced(b, Buffer.from('\uffff', 'utf8')), 400, 'MalformedXml'],
  ['&#0;', (b) => spliced(b, Buffer.from('&#0;')), 400, 'MalformedXml'],
  ['&#x1F;', (b) => spliced(b, Buffer.from('&#x1F;')), 400, 'MalformedXml'],
  ['&#xFFFE;', (b) => spliced(b, Buffer.from('&#xFFFE;')), 400, 'MalformedXml'],
  ['&#xD800; (a lone surrogate)', (b) => spliced(b, Buffer.from('&#xD800;')), 400, 'MalformedXml'],
  ['&#0; in an attribute', (b) => withRootAttribute(b, 'x="&#0;"'), 400, 'MalformedXml'],
  ['a raw C0 control in an attribute', (b) => withRootAttribute(b, 'x="\u0002"'), 400, 'MalformedXml'],
  ['a C0 control in CDATA', (b) => spliced(b, Buffer.from('<![CDATA[\u0003]]>')), 400, 'MalformedXml'],
  ['an XML declaration naming another encoding', (b) => Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${b.replace(/^<\?xml[^>]*\?>/, '')}`), 400, 'InvalidEncoding'],
];

describeEachDatabase('bytes of request bodies', (tdb) => {
  let t: TestApp;
  let logger: express.Express;
  const routes: Route[] = [];

  beforeAll(async () => {
    t = await openTestApp(tdb);
    logger = createLoggerApp({ db: t.db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://logger.test', security: securityPolicy({ users: [] }, '127.0.0.1') }).app;
    const created = await asText(t.http().post(pathOf(A)).send(entryWith(account('<name>Existing</name>')))).expect(201);
    const key = /sdata:key="([^"]+)"/.exec(created.body as string)![1];
    const digest = await getDigestXml(t.app, B);
    const page = (await asText(t.http().post(pathOf(`${A}/$syncSource`)).send(digest))).body as string;
    const ep = pathOf(A);
    routes.push(
      { name: 'POST a resource', method: 'post', path: ep, body: entryWith(account('<name>New</name>')), app: 'server' },
      { name: 'PUT a resource', method: 'put', path: `${ep}('${key}')`, body: entryWith(account('<name>Changed</name>')), app: 'server' },
      {
        name: 'POST $batch',
        method: 'post',
        path: `${ep}/$batch`,
        body: `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}"><entry><http:httpMethod>POST</http:httpMethod><sdata:payload>${account('<name>Batched</name>')}</sdata:payload></entry></feed>`,
        app: 'server',
      },
      { name: 'PUT $syncDigest', method: 'put', path: pathOf(`${B}/$syncDigest`), body: digest, app: 'server' },
      { name: 'POST $syncSource', method: 'post', path: `${ep}/$syncSource`, body: digest, app: 'server' },
      { name: 'POST $syncTarget', method: 'post', path: pathOf(`${B}/$syncTarget`), body: page, app: 'server' },
      {
        name: 'POST to the logger',
        method: 'post',
        path: '/logs/$syncResults',
        body: buildResultFeed({ id: 'x', title: 'r', updated: new Date().toISOString(), entries: [], diagnoses: [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', message: 'failed' }], runName: 'r', runStamp: 's', source: A, target: B, kind: 'accounts' }),
        app: 'logger',
      },
    );
  });

  async function stored() {
    return {
      ...((await snapshot(t.db)) as object),
      contexts: await t.db('contexts').count({ n: '*' }),
      runs: await t.db('log_runs').count({ n: '*' }),
      events: await t.db('log_events').count({ n: '*' }),
    };
  }

  const send = (r: Route, body: Buffer, contentType = 'application/atom+xml') =>
    asText(request(r.app === 'server' ? t.app : logger)[r.method](r.path).set('Content-Type', contentType).send(body));

  it.each(SPOILERS)('refuses %s on every route that takes a body, and stores nothing', async (_name, spoil, status, code) => {
    for (const r of routes) {
      const before = await stored();
      const res = await send(r, spoil(r.body));
      expect([r.name, res.status]).toEqual([r.name, status]);
      expect([r.name, diagnosesIn(parseXml(res.body as string))[0].applicationCode]).toEqual([r.name, code]);
      expect(await stored()).toEqual(before);
    }
  });

  it('refuses a declared charset other than UTF-8 with 415, and accepts an explicit UTF-8 one', async () => {
    for (const r of routes) {
      const before = await stored();
      const res = await send(r, Buffer.from(r.body, 'latin1'), 'application/atom+xml; charset=iso-8859-1');
      expect([r.name, res.status]).toEqual([r.name, 415]);
      expect(diagnosesIn(parseXml(res.body as string))[0].applicationCode).toBe('UnsupportedCharset');
      expect(await stored()).toEqual(before);
    }
    const ok = await send(routes[0], Buffer.from(entryWith(account('<name>Café</name>')), 'utf8'), 'application/atom+xml;type=entry; charset=UTF-8');
    expect(ok.status).toBe(201);
    expect(ok.body as string).toContain('<name>Café</name>');
  });

  it('the same bodies unspoilt are accepted by their routes (the refusals above are about the bytes alone)', async () => {
    for (const r of routes) {
      const res = await send(r, Buffer.from(r.body, 'utf8'));
      expect([r.name, res.status, res.status < 300 ? '' : res.body]).toEqual([r.name, res.status, '']);
    }
  });
});
