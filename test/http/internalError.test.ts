/**
 * A 500 tells the client only that something failed, with a correlation id (in the diagnosis and in the
 * X-Correlation-Id header); the details (the SQL, the stack) are in the log under that id. Provoked for
 * real: a table the request needs is renamed away under the running server, then put back.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { createApp, prepareRuntime } from '../../src/endpoint/server';
import { securityPolicy } from '../../src/security/policy';
import { createLoggerApp } from '../../src/logger/app';
import { loggerSchema } from '../../src/config/engineSchema';
import type { Db } from '../../src/store/db';
import { asText } from '../endpoint/support/app';
import { testConfig } from '../endpoint/support/testConfig';
import { describeEachDatabase } from '../support/databases';

function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'error' }, stream), lines };
}

async function withTableGone<T>(db: Db, table: string, run: () => Promise<T>): Promise<T> {
  await db.raw('ALTER TABLE ?? RENAME TO ??', [table, `${table}_gone`]);
  try {
    return await run();
  } finally {
    await db.raw('ALTER TABLE ?? RENAME TO ??', [`${table}_gone`, table]);
  }
}

function expectOpaque500(res: request.Response, lines: Record<string, unknown>[], table: string): void {
  expect(res.status).toBe(500);
  const body = res.body as string;
  const id = res.headers['x-correlation-id'];
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const [d] = diagnosesIn(parseXml(body));
  expect(d.sdataCode).toBe('InternalServerError');
  expect(d.message).toContain(id);
  // Nothing of the internals: no SQL, no table name, no stack frame.
  expect(body).not.toMatch(/select|insert|from\s|&quot;|\brelation\b|\bat .*\.ts:\d+/i);
  expect(body).not.toContain(table);
  // The details are in the log, under the id.
  const logged = lines.find((l) => l.correlationId === id) as { err?: { message?: string; stack?: string } } | undefined;
  expect(logged?.err?.message).toMatch(new RegExp(`select[\\s\\S]*${table}`, 'i'));
  expect(logged?.err?.stack).toBeDefined();
}

describeEachDatabase('500 answers', (tdb) => {
  it('the endpoint server answers a failing query with a correlation id only, the SQL and stack going to the log', async () => {
    const db = await tdb.open();
    const { log, lines } = capturedLog();
    const app = createApp(await prepareRuntime(testConfig(), { db, log }));
    const res = await withTableGone(db, 'resources', () => asText(request(app).get('/sdata/crm/test/-/accounts')));
    expectOpaque500(res, lines, 'resources');
    expect((await asText(request(app).get('/sdata/crm/test/-/accounts'))).status).toBe(200);
  });

  it('the event logger does the same', async () => {
    const db = await tdb.open();
    const { log, lines } = capturedLog();
    const { app } = createLoggerApp({ db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://logger.test', security: securityPolicy({ users: [] }, '127.0.0.1'), log });
    const res = await withTableGone(db, 'log_runs', () => asText(request(app).get('/logs/runs')));
    expectOpaque500(res, lines, 'log_runs');
  });
});
