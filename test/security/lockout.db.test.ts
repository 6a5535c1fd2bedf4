/**
 * Wrong passwords make their (user, address) pair wait, and many make their address wait (security.lockout):
 * 429 + Retry-After + a diagnosis while it waits, a correct password too; the same user from another address
 * is not affected; the wait ends; refusals are counted in `sdata_auth_refusals_total`. The endpoint server,
 * the event logger and the engine listener check passwords the same way.
 */
import { request } from 'node:http';
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { engineSchema, loggerSchema } from '../../src/config/engineSchema';
import { securitySchema } from '../../src/config/securitySchema';
import { startEngine } from '../../src/engine/daemon';
import { startEngineListener } from '../../src/engine/listener';
import { inProcessLocks } from '../../src/engine/routeLock';
import { createLoggerApp } from '../../src/logger/app';
import { securityPolicy } from '../../src/security/policy';
import { describeEachDatabase } from '../support/databases';
import { closed, listening } from '../support/listening';
import { openTestApp } from '../endpoint/support/app';
import { testConfig } from '../endpoint/support/testConfig';
import { basic, securitySection, type TestUser } from './support';

const READER: TestUser = { name: 'reader', password: 'reader-pass', roles: ['read'] };
const OTHER: TestUser = { name: 'other', password: 'other-pass', roles: ['read'] };
const ROOT: TestUser = { name: 'root', password: 'root-pass', roles: ['admin'] };
const FEED = '/sdata/crm/test/-/accounts';
/** Three client addresses of this machine (Linux routes all of 127.0.0.0/8 to the loopback interface). */
const HERE = '127.0.0.1';
const ELSEWHERE = '127.0.0.2';
const SCRAPER = '127.0.0.3';

interface Answer {
  status: number;
  retryAfter?: string;
  code?: string;
  text: string;
}

/** GET with Basic credentials, from the given local address. */
function get(base: string, path: string, who: { name: string; password: string }, from: string): Promise<Answer> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress: from, headers: { authorization: basic(who.name, who.password), accept: 'application/xml' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const code = res.statusCode === 429 ? diagnosesIn(parseXml(text))[0]?.applicationCode : undefined;
        resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, code, text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const wrong = (u: TestUser) => ({ name: u.name, password: `${u.password}-wrong` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** The value of `sdata_auth_refusals_total{reason=...}` in a /metrics text. */
function refusals(metricsText: string, reason: string): number {
  const line = metricsText.split('\n').find((l) => l.startsWith('sdata_auth_refusals_total{') && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describeEachDatabase('password lockout: the endpoint server', (tdb) => {
  async function serverWith(lockout: Record<string, number>) {
    const security = { ...(await securitySection([READER, OTHER, ROOT], [])), lockout };
    const t = await openTestApp(tdb, testConfig({ security }));
    return { t, ...(await listening(t.app)) };
  }

  it('after 20 wrong passwords, refuses that user from that address with 429 (the right password too); elsewhere it works; counted', async () => {
    const { t, server, base } = await serverWith({ failures: 20, lockSeconds: 120, maxLockSeconds: 120 });
    try {
      for (let i = 0; i < 20; i += 1) expect((await get(base, FEED, wrong(READER), HERE)).status).toBe(401);
      const locked = await get(base, FEED, READER, HERE);
      expect(locked).toMatchObject({ status: 429, code: 'TooManyFailedLogins' });
      expect(Number(locked.retryAfter)).toBeGreaterThan(0);
      expect(Number(locked.retryAfter)).toBeLessThanOrEqual(120);
      expect(locked.text).toContain('too many wrong passwords');
      expect((await get(base, FEED, READER, ELSEWHERE)).status).toBe(200);
      // Another user from the same address is not held back by this user's failures.
      expect((await get(base, FEED, OTHER, HERE)).status).toBe(200);
      const metrics = (await get(base, '/metrics', ROOT, SCRAPER)).text;
      expect(refusals(metrics, 'credentials')).toBe(20);
      expect(refusals(metrics, 'locked_out')).toBe(1);
    } finally {
      await closed(server);
    }
  });

  it('the wait ends: the right password works again, and a wrong one after it waits twice as long', async () => {
    const { t, server, base } = await serverWith({ failures: 3, lockSeconds: 1, maxLockSeconds: 60 });
    try {
      for (let i = 0; i < 3; i += 1) expect((await get(base, FEED, wrong(READER), HERE)).status).toBe(401); // the third locks the pair
      const first = await get(base, FEED, READER, HERE);
      expect(first.status).toBe(429);
      expect(Number(first.retryAfter)).toBeLessThanOrEqual(1);
      await sleep(Number(first.retryAfter) * 1000 + 200);
      expect((await get(base, FEED, wrong(READER), HERE)).status).toBe(401); // locked again, for 2 s
      const second = await get(base, FEED, READER, HERE);
      expect(second.status).toBe(429);
      expect(Number(second.retryAfter)).toBeGreaterThan(1);
      expect(Number(second.retryAfter)).toBeLessThanOrEqual(2);
      await sleep(Number(second.retryAfter) * 1000 + 200);
      expect((await get(base, FEED, READER, HERE)).status).toBe(200);
    } finally {
      await closed(server);
    }
  });

  it('many wrong passwords from one address, whatever the names, make that address wait; other addresses do not', async () => {
    const { t, server, base } = await serverWith({ failures: 100, addressFailures: 5, lockSeconds: 120, maxLockSeconds: 120 });
    try {
      for (let i = 0; i < 5; i += 1) expect((await get(base, FEED, { name: `guess${i}`, password: 'x' }, HERE)).status).toBe(401);
      expect(await get(base, FEED, READER, HERE)).toMatchObject({ status: 429, code: 'TooManyFailedLogins' });
      expect((await get(base, FEED, READER, ELSEWHERE)).status).toBe(200);
    } finally {
      await closed(server);
    }
  });
});

describeEachDatabase('password lockout: the event logger', (tdb) => {
  it('refuses a user from an address after its wrong passwords with 429, and counts it', async () => {
    const db = await tdb.open();
    const security = securityPolicy(securitySchema.parse({ ...(await securitySection([READER, ROOT], [])), lockout: { failures: 2, lockSeconds: 120, maxLockSeconds: 120 } }), '127.0.0.1');
    const logger = createLoggerApp({ db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://logger.test', security });
    const { server, base } = await listening(logger.app);
    try {
      for (let i = 0; i < 2; i += 1) expect((await get(base, '/logs/runs', wrong(READER), HERE)).status).toBe(401);
      expect(await get(base, '/logs/runs', READER, HERE)).toMatchObject({ status: 429, code: 'TooManyFailedLogins' });
      expect((await get(base, '/logs/runs', READER, ELSEWHERE)).status).toBe(200);
      expect(refusals((await get(base, '/metrics', ROOT, SCRAPER)).text, 'locked_out')).toBe(1);
    } finally {
      await closed(server);
    }
  });
});

describe('password lockout: the engine listener', () => {
  it('refuses a user from an address after its wrong passwords with 429, and counts it', async () => {
    const engineCfg = engineSchema.parse({ http: { port: 0 }, routes: [] });
    const security = securitySchema.parse({ ...(await securitySection([READER, ROOT], [])), lockout: { failures: 2, lockSeconds: 120, maxLockSeconds: 120 } });
    const engine = await startEngine(engineCfg, { locks: inProcessLocks() });
    const listener = await startEngineListener({ engine: engineCfg, security }, engine, { port: 0 });
    try {
      for (let i = 0; i < 2; i += 1) expect((await get(listener.url, '/routes', wrong(ROOT), HERE)).status).toBe(401);
      expect(await get(listener.url, '/routes', ROOT, HERE)).toMatchObject({ status: 429, code: 'TooManyFailedLogins' });
      const metrics = await get(listener.url, '/metrics', ROOT, ELSEWHERE);
      expect(metrics.status).toBe(200);
      expect(refusals(metrics.text, 'locked_out')).toBe(1);
      expect(refusals(metrics.text, 'credentials')).toBe(2);
    } finally {
      await listener.close();
      await engine.stop();
    }
  });
});
