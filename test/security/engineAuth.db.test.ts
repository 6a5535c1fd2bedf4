/**
 * The engine against servers that require credentials: routes and loggers take
 * `auth: { user, passwordEnv }` or `auth: { tokenEnv }` (a token of the servers' security.bearer),
 * `sdata-sync pass` takes `--user` with SDATA_PASSWORD or `--token-env`; the password, the token and the
 * servers' token secret show in no log line (server, logger and engine logs, every level), no logger feed,
 * no result feed and no error.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { SignJWT } from 'jose';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { startEngine } from '../../src/engine/daemon';
import { startLogger, type RunningLogger } from '../../src/logger/service';
import { main } from '../../src/cli/program';
import { describeEachDatabase } from '../support/databases';
import { batchCreate, valuesByUuid } from '../e2e/support/sdata';
import { basic, securitySection, type TestUser } from './support';

const PASSWORD = 'Engine-Secret-7f3a9c';
const WRONG = 'Wrong-Secret-51be02';
const ENGINE: TestUser = { name: 'engine', password: PASSWORD, roles: ['sync'] };
const READER: TestUser = { name: 'reader', password: 'reader-pass', roles: ['read'] };
const JWT_SECRET = 'Engine-JWT-Secret-2c8e41d07b95fa63e1';
const ISSUER = 'https://id.example.com/';

/** A token of the servers' identity provider for `sub` with `roles`, valid five minutes. */
const tokenFor = (sub: string, roles: string[]) =>
  new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience('sdata-sync')
    .setSubject(sub)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
/** Every form a token could leak in: whole, its signature, and the secret that signs it. */
const tokenLeakForms = (token: string) => [token, token.split('.')[2], JWT_SECRET, Buffer.from(JWT_SECRET).toString('base64').replace(/=+$/, '')];

/** Every form a password could leak in: as given, in a Basic token, base64 alone. */
const leakForms = (password: string, user = 'engine') => [password, basic(user, password).slice('Basic '.length), Buffer.from(password).toString('base64').replace(/=+$/, '')];

function capturedLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { log: pino({ level: 'trace' }, stream), lines };
}

async function getText(url: string, user?: TestUser): Promise<string> {
  const res = await fetch(url, { headers: user ? { authorization: basic(user.name, user.password) } : {} });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

describeEachDatabase('engine credentials', (tdb) => {
  let server: RunningServer;
  let logger: RunningLogger;
  let crm: string;
  let erp: string;
  const captured = capturedLog();

  beforeAll(async () => {
    const db = await tdb.open();
    // Anonymous callers may read and write resources (so the test writes and reads them plainly); every
    // sync route and the logger's ingest need the engine's credentials.
    // Tokens of an identity provider are accepted beside the users (security.bearer).
    process.env.TEST_ENGINE_JWT_SECRET = JWT_SECRET;
    const security = { ...(await securitySection([ENGINE, READER], ['read', 'write'])), bearer: { issuer: ISSUER, audience: 'sdata-sync', secretEnv: 'TEST_ENGINE_JWT_SECRET' } };
    const cfg = parseConfig({ ...demoConfig, server: { port: 0 }, security, log: { level: 'trace' } }, {});
    server = await startServer(cfg, { db, port: 0, log: captured.log });
    logger = await startLogger(cfg, { db, port: 0, log: captured.log });
    crm = `${server.url}/sdata/crm/test/-`;
    erp = `${server.url}/sdata/erp/test/-`;
    await batchCreate(`${crm}/accounts`, 'account', Array.from({ length: 5 }, (_, i) => ({ key: `${i + 1}`, values: { name: `Secured ${i + 1}` } })));
  });

  afterAll(async () => {
    delete process.env.TEST_ENGINE_PASSWORD;
    delete process.env.TEST_WRONG_PASSWORD;
    delete process.env.SDATA_PASSWORD;
    delete process.env.TEST_ENGINE_JWT_SECRET;
    delete process.env.TEST_ENGINE_TOKEN;
    await logger?.close();
    await server?.close();
  });

  type Auth = { user: string; passwordEnv: string } | { tokenEnv: string };
  const engineConfig = (passwordEnv: string, kind = '', auth: Auth = { user: 'engine', passwordEnv }, loggerAuth: Auth = { user: 'engine', passwordEnv: 'TEST_ENGINE_PASSWORD' }) =>
    parseConfig(
      {
        engine: {
          postResults: true,
          retry: { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 2 },
          passAttempts: 1,
          loggers: [{ url: logger.ingestUrl, auth: loggerAuth }],
          routes: [{ name: `secured ${passwordEnv}`, source: `${crm}${kind}`, target: `${erp}${kind}`, schedule: '0 0 1 1 *', auth }],
        },
      },
      {},
    ).engine;

  test('a route with auth runs its pass; results reach the logger and the source; nothing shows the password', async () => {
    process.env.TEST_ENGINE_PASSWORD = PASSWORD;
    const engine = await startEngine(engineConfig('TEST_ENGINE_PASSWORD'), { log: captured.log });
    const outcome = await engine.runners[0].runOnce();
    await engine.stop();
    expect(outcome).toMatchObject({ skipped: false, failures: [] });
    expect(Object.fromEntries(await valuesByUuid(`${erp}/accounts`))).toEqual(Object.fromEntries(await valuesByUuid(`${crm}/accounts`)));

    const runs = await getText(`${logger.url}/logs/runs?runName=${encodeURIComponent('secured TEST_ENGINE_PASSWORD')}`, READER);
    expect(runs).toContain('<x:state>done</x:state>');
    const results = await getText(`${crm}/accounts/$syncResults`);
    expect(results).toContain('<entry>');
    const everything = [JSON.stringify(outcome), runs, results, await getText(`${logger.url}/logs/events?count=1000`, READER), ...captured.lines];
    expect(captured.lines.length).toBeGreaterThan(10);
    for (const form of leakForms(PASSWORD)) for (const text of everything) expect(text.includes(form) ? text : '').toBe('');
  });

  test('a route and a logger with auth: { tokenEnv } send the token: the pass runs, results reach the logger; nothing shows the token or the secret', async () => {
    const token = await tokenFor('sync-engine', ['sync']);
    process.env.TEST_ENGINE_TOKEN = token;
    const engine = await startEngine(engineConfig('TEST_ENGINE_TOKEN', '', { tokenEnv: 'TEST_ENGINE_TOKEN' }, { tokenEnv: 'TEST_ENGINE_TOKEN' }), { log: captured.log });
    const outcome = await engine.runners[0].runOnce();
    await engine.stop();
    expect(outcome).toMatchObject({ skipped: false, failures: [] });
    expect(Object.fromEntries(await valuesByUuid(`${erp}/accounts`))).toEqual(Object.fromEntries(await valuesByUuid(`${crm}/accounts`)));
    const runs = await getText(`${logger.url}/logs/runs?runName=${encodeURIComponent('secured TEST_ENGINE_TOKEN')}`, READER);
    expect(runs).toContain('<x:state>done</x:state>');
    const everything = [JSON.stringify(outcome), runs, await getText(`${crm}/accounts/$syncResults`), await getText(`${logger.url}/logs/events?count=1000`, READER), ...captured.lines];
    for (const form of tokenLeakForms(token)) for (const text of everything) expect(text.includes(form) ? text : '').toBe('');
  });

  test('a token of the role metrics only fails the pass with 403; an expired one with 401; neither shows', async () => {
    const scraper = await tokenFor('sync-engine', ['metrics']);
    process.env.TEST_ENGINE_TOKEN = scraper;
    let engine = await startEngine(engineConfig('scraper token', '/accounts', { tokenEnv: 'TEST_ENGINE_TOKEN' }, { tokenEnv: 'TEST_ENGINE_TOKEN' }), { log: captured.log });
    const refused = await engine.runners[0].runOnce();
    await engine.stop();
    expect(refused.skipped).toBe(false);
    expect(refused.skipped ? [] : refused.failures.map((f) => f.error)).toEqual([expect.stringMatching(/403 .*user 'sync-engine' is refused/)]);
    const expired = await new SignJWT({ roles: ['sync'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience('sdata-sync').setSubject('sync-engine').setExpirationTime(Math.floor(Date.now() / 1000) - 600).sign(new TextEncoder().encode(JWT_SECRET));
    process.env.TEST_ENGINE_TOKEN = expired;
    engine = await startEngine(engineConfig('expired token', '/accounts', { tokenEnv: 'TEST_ENGINE_TOKEN' }, { tokenEnv: 'TEST_ENGINE_TOKEN' }), { log: captured.log });
    const outcome = await engine.runners[0].runOnce();
    await engine.stop();
    expect(outcome.skipped ? [] : outcome.failures.map((f) => f.error)).toEqual([expect.stringMatching(/401 .*the token has expired/)]);
    for (const form of [...tokenLeakForms(scraper), ...tokenLeakForms(expired)]) for (const text of [JSON.stringify(refused), JSON.stringify(outcome), ...captured.lines]) expect(text.includes(form) ? text : '').toBe('');
  });

  test('a route whose token variable is not set does not start, naming the variable only', async () => {
    delete process.env.TEST_UNSET_TOKEN;
    await expect(startEngine(engineConfig('TEST_UNSET_TOKEN', '', { tokenEnv: 'TEST_UNSET_TOKEN' }))).rejects.toThrow('environment variable TEST_UNSET_TOKEN (the bearer token) is not set');
  });

  test('a wrong password fails the pass with 401; the error, the logs and the logger do not show it', async () => {
    process.env.TEST_ENGINE_PASSWORD = PASSWORD;
    process.env.TEST_WRONG_PASSWORD = WRONG;
    // One kind: the pass reaches its first request to the target, and tells the logger it failed.
    const engine = await startEngine(engineConfig('TEST_WRONG_PASSWORD', '/accounts'), { log: captured.log });
    const outcome = await engine.runners[0].runOnce();
    await engine.stop();
    expect(outcome.skipped).toBe(false);
    const failures = outcome.skipped ? [] : outcome.failures;
    expect(failures).toHaveLength(1);
    expect(failures[0].error).toMatch(/401 .*unknown user or wrong password/);
    const events = await getText(`${logger.url}/logs/events?count=1000`, READER);
    expect(events).toContain('unknown user or wrong password');
    for (const form of leakForms(WRONG)) for (const text of [JSON.stringify(outcome), events, ...captured.lines]) expect(text.includes(form) ? text : '').toBe('');
  });

  test('a route whose password variable is not set does not start, naming the variable only', async () => {
    delete process.env.TEST_UNSET_PASSWORD;
    await expect(startEngine(engineConfig('TEST_UNSET_PASSWORD'))).rejects.toThrow("environment variable TEST_UNSET_PASSWORD (the password of user 'engine') is not set");
  });

  test('sdata-sync pass --user reads SDATA_PASSWORD; without it the usage is refused', async () => {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      delete process.env.SDATA_PASSWORD;
      expect(await main(['pass', '--source', `${crm}/accounts`, '--target', `${erp}/accounts`, '--user', 'engine', '--json'])).toBe(2);
      process.env.SDATA_PASSWORD = WRONG;
      expect(await main(['pass', '--source', `${crm}/accounts`, '--target', `${erp}/accounts`, '--user', 'engine', '--json'])).toBe(1);
      process.env.SDATA_PASSWORD = PASSWORD;
      expect(await main(['pass', '--source', `${crm}/accounts`, '--target', `${erp}/accounts`, '--user', 'engine', '--log', logger.ingestUrl, '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
    }
    const summaries = out.join('');
    expect(JSON.parse(summaries.trim().split('\n').pop()!)).toMatchObject({ state: 'done', failures: 0 });
    for (const form of [...leakForms(PASSWORD), ...leakForms(WRONG)]) expect(summaries.includes(form) ? summaries : '').toBe('');
  });

  test('sdata-sync pass --token-env NAME sends the token of that variable; without it the usage is refused', async () => {
    const token = await tokenFor('sync-engine', ['sync']);
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const err: string[] = [];
    const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    });
    const pass = (...more: string[]) => main(['pass', '--source', `${crm}/accounts`, '--target', `${erp}/accounts`, '--json', ...more]);
    try {
      delete process.env.TEST_ENGINE_TOKEN;
      expect(await pass('--token-env', 'TEST_ENGINE_TOKEN')).toBe(2);
      process.env.TEST_ENGINE_TOKEN = token;
      expect(await pass('--token-env', 'TEST_ENGINE_TOKEN', '--user', 'engine')).toBe(2);
      expect(await pass('--token-env', 'TEST_ENGINE_TOKEN', '--log', logger.ingestUrl)).toBe(0);
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
    }
    expect(err.join('')).toContain('environment variable TEST_ENGINE_TOKEN (the bearer token) is not set');
    expect(JSON.parse(out.join('').trim().split('\n').pop()!)).toMatchObject({ state: 'done', failures: 0 });
    for (const form of tokenLeakForms(token)) for (const text of [out.join(''), err.join(''), ...captured.lines]) expect(text.includes(form) ? text : '').toBe('');
  });
});
