/**
 * Request ids and request logs of the endpoint server and the event logger (in process, supertest): a
 * given X-Request-Id of safe characters is kept, anything else replaced; the id is in the answer header, in
 * every diagnosis answered (XML `x:requestId`, JSON `requestId`), in both request log lines at debug level,
 * and in the logger's events; credentials never reach the log.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { buildResultFeed } from '../../src/atom/resultFeed';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { loggerSchema } from '../../src/config/engineSchema';
import { createApp, prepareRuntime } from '../../src/endpoint/server';
import { acceptedRequestId, requestIdOf } from '../../src/http/requestId';
import { createLoggerApp } from '../../src/logger/app';
import { securityPolicy } from '../../src/security/policy';
import { describeEachDatabase } from '../support/databases';
import { CRM, testConfig } from '../endpoint/support/testConfig';

/** A debug-level pino log whose lines the test reads. */
function memoryLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines, parsed: () => lines.map((l) => JSON.parse(l) as { msg: string; req: { id: string; url: string; headers: Record<string, string> }; res?: { statusCode: number }; bytesOut?: number }) };
}

describe('requestIdOf', () => {
  it.each([
    ['a UUID', '0b5a4c34-4cfb-4a3c-9d6e-7c1e6a1f2b11', true],
    ['letters, digits, . _ : -', 'pass.crm-erp_7:42', true],
    ['128 characters', 'a'.repeat(128), true],
    ['129 characters', 'a'.repeat(129), false],
    ['a space', 'a b', false],
    ['markup', '<x>', false],
    ['a line break', 'a\nb', false],
    ['empty', '', false],
  ])('%s: %s', (_label, given, kept) => {
    expect(acceptedRequestId(given)).toBe(kept ? given : undefined);
    if (kept) expect(requestIdOf(given)).toBe(given);
    else expect(requestIdOf(given)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('makes a new id for each request without one', () => {
    expect(requestIdOf(undefined)).not.toBe(requestIdOf(undefined));
  });
});

describeEachDatabase('request ids of the endpoint server', (tdb) => {
  const memory = memoryLog();
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    const runtime = await prepareRuntime(testConfig(), { db: await tdb.open(), log: memory.log });
    app = createApp(runtime);
  });

  it('keeps a given id: in the answer header, in the diagnoses (XML and JSON) and in both request log lines', async () => {
    const xml = await request(app).get('/nothing-here').set('X-Request-Id', 'trace-404');
    expect(xml.status).toBe(404);
    expect(xml.headers['x-request-id']).toBe('trace-404');
    expect(diagnosesIn(parseXml(xml.text)).map((d) => d.requestId)).toEqual(['trace-404']);
    expect(xml.text).toContain('<x:requestId>trace-404</x:requestId>');

    const json = await request(app).get(`${new URL(CRM).pathname}/nothing?format=json`).set('X-Request-Id', 'trace-json');
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.body.$diagnoses.map((d: { requestId: string }) => d.requestId)).toEqual(json.body.$diagnoses.map(() => 'trace-json'));

    const lines = memory.parsed().filter((l) => l.req?.id === 'trace-404');
    expect(lines.map((l) => l.msg)).toEqual(['request received', 'request answered']);
    expect(lines[1]).toMatchObject({ res: { statusCode: 404 }, bytesOut: Number(xml.headers['content-length']) });
  });

  it('replaces an id that is too long or holds unsafe characters', async () => {
    const res = await request(app).get('/nothing-here').set('X-Request-Id', `<script>${'a'.repeat(200)}`);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(diagnosesIn(parseXml(res.text))[0].requestId).toBe(res.headers['x-request-id']);
    expect(memory.parsed().filter((l) => l.req?.id === res.headers['x-request-id']).map((l) => l.msg)).toEqual(['request received', 'request answered']);
  });

  it('never writes credentials to the log', async () => {
    const basic = `Basic ${Buffer.from('alice:very-secret-password').toString('base64')}`;
    await request(app).get(`${new URL(CRM).pathname}/accounts`).set('Authorization', basic).set('X-Authorization', basic).set('X-Request-Id', 'with-credentials');
    const lines = memory.parsed().filter((l) => l.req?.id === 'with-credentials');
    expect(lines).toHaveLength(2);
    expect(lines[0].req.headers.authorization).toBe('[redacted]');
    expect(lines[0].req.headers['x-authorization']).toBe('[redacted]');
    const text = memory.lines.join('\n');
    expect(text).not.toContain(basic.slice('Basic '.length));
    expect(text).not.toContain('very-secret-password');
  });
});

describeEachDatabase('request ids at the event logger', (tdb) => {
  const memory = memoryLog();
  let logger: ReturnType<typeof createLoggerApp>;
  const SOURCE = 'http://127.0.0.1:3000/sdata/crm/test/-/accounts';
  const TARGET = 'http://127.0.0.1:3001/sdata/erp/test/-/accounts';
  const run = { runName: 'traced', runStamp: '2026-12-01T10:00:00.000Z', source: SOURCE, target: TARGET, kind: 'accounts', state: 'done' };
  const failedEntry = (n: number, requestId?: string) => ({
    id: `${SOURCE}('${n}')`,
    uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    httpStatus: 422,
    httpMessage: 'Unprocessable Entity',
    diagnoses: [{ severity: 'Error' as const, sdataCode: 'ApplicationDiagnosis' as const, applicationCode: 'BadValue', message: `entry ${n} cannot be applied`, requestId }],
  });
  const feed = (entries: ReturnType<typeof failedEntry>[]) =>
    buildResultFeed({ id: `${TARGET}/$syncTarget`, title: 'result', updated: new Date().toISOString(), entries, diagnoses: [], runName: run.runName, runStamp: run.runStamp, source: SOURCE, target: TARGET, kind: 'accounts' });

  beforeAll(async () => {
    logger = createLoggerApp({ db: await tdb.open(), cfg: loggerSchema.parse({}), baseUrl: () => 'http://127.0.0.1:3100', security: securityPolicy({ users: [] }, '127.0.0.1'), log: memory.log });
  });

  it("stores each event with its diagnosis's request id, else the post's, shows it in the events feed and finds events by it", async () => {
    const posted = await request(logger.app).post('/logs/$syncResults').query(run).set('X-Request-Id', 'pass-1').set('Content-Type', 'application/atom+xml; type=feed').send(feed([failedEntry(1), failedEntry(2, 'page-7')]));
    expect(posted.status).toBe(200);
    expect(memory.parsed().filter((l) => l.req?.id === 'pass-1').map((l) => l.msg)).toEqual(['request received', 'request answered']);

    const byPost = await request(logger.app).get('/logs/events').query({ requestId: 'pass-1' });
    expect(byPost.status).toBe(200);
    expect(diagnosesIn(parseXml(byPost.text).children.find((c) => c.name === 'entry')).map((d) => [d.message, d.requestId])).toEqual([['entry 1 cannot be applied', 'pass-1']]);
    const byDiagnosis = await request(logger.app).get('/logs/events').query({ requestId: 'page-7' });
    expect(byDiagnosis.text).toContain('<x:requestId>page-7</x:requestId>');
    expect(byDiagnosis.text).toContain('entry 2 cannot be applied');
    expect(byDiagnosis.text).not.toContain('entry 1 cannot be applied');
  });

  it('refuses a requestId filter of unsafe characters with a 400 naming the request', async () => {
    const res = await request(logger.app).get('/logs/events').query({ requestId: 'a b' }).set('X-Request-Id', 'bad-filter');
    expect(res.status).toBe(400);
    expect(diagnosesIn(parseXml(res.text))).toEqual([expect.objectContaining({ sdataCode: 'BadQueryParameter', requestId: 'bad-filter' })]);
  });
});
