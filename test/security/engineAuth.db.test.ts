/**
 * The engine against servers that require credentials: routes and loggers take
 * `auth: { user, passwordEnv }`, `sdata-sync pass` takes `--user` with SDATA_PASSWORD; the password shows
 * in no log line (server, logger and engine logs, every level), no logger feed, no result feed and no error.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
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
    const security = await securitySection([ENGINE, READER], ['read', 'write']);
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
    await logger?.close();
    await server?.close();
  });

  const engineConfig = (passwordEnv: string, kind = '') =>
    parseConfig(
      {
        engine: {
          postResults: true,
          retry: { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 2 },
          passAttempts: 1,
          loggers: [{ url: logger.ingestUrl, auth: { user: 'engine', passwordEnv: 'TEST_ENGINE_PASSWORD' } }],
          routes: [{ name: `secured ${passwordEnv}`, source: `${crm}${kind}`, target: `${erp}${kind}`, schedule: '0 0 1 1 *', auth: { user: 'engine', passwordEnv } }],
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
});
