/**
 * A request body over the limit, on every route that takes one, in each of the three HTTP apps: the client
 * sends several MB and reads a 413 with a diagnosis (the body is read and discarded, so the connection carries
 * the answer). The engine's routes take no body; it allows a small one (ENGINE_BODY_LIMIT_BYTES).
 */
import type { Server } from 'node:http';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { engineSchema, loggerSchema } from '../../src/config/engineSchema';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { createEngineApp, ENGINE_BODY_LIMIT_BYTES } from '../../src/engine/httpApi';
import { inProcessLocks } from '../../src/engine/routeLock';
import { createLoggerApp } from '../../src/logger/app';
import { securityPolicy } from '../../src/security/policy';
import { describeEachDatabase } from '../support/databases';
import { closed, listening } from '../support/listening';
import { openTestApp } from '../endpoint/support/app';
import { testConfig } from '../endpoint/support/testConfig';

const LIMIT = 1024 * 1024;
const SEVERAL_MB = 6 * 1024 * 1024;
const EP = '/sdata/crm/test/-/accounts';
const NOWHERE = 'http://127.0.0.1:9/sdata/crm/test/-/accounts';
const open = securityPolicy({ users: [] }, '127.0.0.1');


/** Sends `bytes` bytes of XML-looking text; answers the status and the diagnosis' sdataCode. */
async function post(url: string, bytes: number, method = 'POST', contentType = 'application/atom+xml'): Promise<[number, string | undefined]> {
  const res = await fetch(url, { method, headers: { 'content-type': contentType }, body: Buffer.alloc(bytes, 0x61) });
  const text = await res.text();
  return [res.status, text.startsWith('<') ? diagnosesIn(parseXml(text))[0]?.sdataCode : undefined];
}

const TOO_LARGE: [number, string] = [413, 'RequestEntityTooLarge'];

describe('the engine listener', () => {
  let engine: RunningEngine;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const cfg = engineSchema.parse({ retry: { attempts: 1 }, routes: [{ name: 'nightly', source: NOWHERE, target: NOWHERE.replace('crm', 'erp'), schedule: '0 0 3 * * *' }] });
    engine = await startEngine(cfg, { locks: inProcessLocks() });
    ({ server, base } = await listening(createEngineApp({ routes: engine.routes, registry: engine.metrics.registry, security: open, baseUrl: () => base })));
  });
  afterAll(async () => {
    await closed(server);
    await engine.stop();
  });

  it('answers 413 with a diagnosis to a $run with a body of several MB, and runs nothing', async () => {
    expect(await post(`${base}/routes/nightly/$run`, SEVERAL_MB)).toEqual(TOO_LARGE);
    expect(await post(`${base}/routes/nightly/$run`, ENGINE_BODY_LIMIT_BYTES + 1, 'POST', 'application/octet-stream')).toEqual(TOO_LARGE);
    expect(engine.routes[0].activity.latest()).toBeUndefined();
  });
});

describeEachDatabase('bodies over the limit', (tdb) => {
  it('the endpoint server answers 413 with a diagnosis on every route that takes a body', async () => {
    const t = await openTestApp(tdb, testConfig({ server: { bodyLimitBytes: LIMIT } }));
    const { server, base } = await listening(t.app);
    try {
      for (const [method, path] of [
        ['POST', EP],
        ['PUT', `${EP}('k1')`],
        ['POST', `${EP}/$batch`],
        ['PUT', `${EP}/$syncDigest`],
        ['POST', `${EP}/$syncSource`],
        ['POST', `${EP}/$syncTarget`],
      ]) {
        expect([method, path, await post(`${base}${path}`, SEVERAL_MB, method)]).toEqual([method, path, TOO_LARGE]);
      }
    } finally {
      await closed(server);
    }
  });

  it('the event logger answers 413 with a diagnosis on every route that takes a body', async () => {
    const db = await tdb.open();
    const logger = createLoggerApp({ db, cfg: loggerSchema.parse({ bodyLimitBytes: LIMIT }), baseUrl: () => 'http://logger.test', security: open });
    const { server, base } = await listening(logger.app);
    try {
      expect(await post(`${base}/logs/$syncResults`, SEVERAL_MB)).toEqual(TOO_LARGE);
      for (const path of ['/dashboard/resolve', '/dashboard/retry']) {
        expect([path, await post(`${base}${path}`, SEVERAL_MB, 'POST', 'application/json')]).toEqual([path, TOO_LARGE]);
      }
    } finally {
      await closed(server);
    }
  });
});
