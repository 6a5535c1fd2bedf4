/**
 * An immediate route against a server that lets anonymous callers do nothing: the engine opens the
 * source's `$syncNotify` stream and pushes with its own `sync` credentials (route `auth`), so a change
 * reaches the target in well under the stream-less polling interval (30 s here) and long before the
 * safety-net pass (yearly here). Without credentials on the stream, the engine could only poll.
 */
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { startEngine, type RunningEngine } from '../../src/engine/daemon';
import { describeEachDatabase } from '../support/databases';
import { basic, securitySection, type TestUser } from './support';

const ENGINE: TestUser = { name: 'engine', password: 'Immediate-Secret-2c', roles: ['sync'] };
const CLERK: TestUser = { name: 'clerk', password: 'clerk-pass', roles: ['read', 'write'] };
const ENTRY = (name: string) =>
  `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>${name}</name></account></sdata:payload></entry>`;

const asClerk = (url: string, init: RequestInit = {}) => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic(CLERK.name, CLERK.password) } });

describeEachDatabase('an immediate route with credentials', (tdb) => {
  let server: RunningServer;
  let engine: RunningEngine | undefined;
  let crm: string;
  let erp: string;

  beforeAll(async () => {
    const security = await securitySection([ENGINE, CLERK], []);
    server = await startServer(parseConfig({ ...demoConfig, server: { port: 0 }, security, log: { level: 'silent' } }, {}), { db: await tdb.open(), port: 0 });
    crm = `${server.url}/sdata/crm/test/-/accounts`;
    erp = `${server.url}/sdata/erp/test/-/accounts`;
  });

  afterAll(async () => {
    await engine?.stop();
    await server?.close();
    delete process.env.TEST_IMMEDIATE_PASSWORD;
  });

  test('anonymous callers are refused the stream; the engine, with its sync credentials, pushes a change within seconds', async () => {
    expect((await fetch(`${crm}/$syncNotify`)).status).toBe(401);
    process.env.TEST_IMMEDIATE_PASSWORD = ENGINE.password;
    const cfg = parseConfig(
      {
        engine: {
          watch: { pollSeconds: 30 },
          routes: [{ name: 'secured immediate', source: crm, target: erp, mode: 'immediate', schedule: '0 0 1 1 *', auth: { user: 'engine', passwordEnv: 'TEST_IMMEDIATE_PASSWORD' } }],
        },
      },
      {},
    );
    const post = (name: string) => asClerk(crm, { method: 'POST', headers: { 'content-type': 'application/atom+xml;type=entry' }, body: ENTRY(name) });
    /** Reads erp until it holds the account, for at most `millis`; true when it does. */
    const arrives = async (name: string, millis: number) => {
      for (const deadline = Date.now() + millis; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        if ((await (await asClerk(erp)).text()).includes(`<name>${name}</name>`)) return true;
      }
      return false;
    };
    expect((await post('Before the engine')).status).toBe(201);
    engine = await startEngine(cfg.engine);
    await engine.streaming[0].ready();
    // The start-up catch-up pass carries the first account.
    expect(await arrives('Before the engine', 20_000)).toBe(true);

    expect((await post('Pushed with credentials')).status).toBe(201);
    expect(await arrives('Pushed with credentials', 5_000)).toBe(true);
  });
});
