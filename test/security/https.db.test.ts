/**
 * HTTPS: two endpoint servers and an event logger serving `tls: { cert, key }` with certificates of a
 * certificate authority made for this test (openssl), and `sdata-sync pass` between them trusting that
 * authority through `engine.caFile`, with Basic credentials. Without the CA file the pass fails on the
 * certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Agent } from 'undici';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { startLogger, type RunningLogger } from '../../src/logger/service';
import { main } from '../../src/cli/program';
import { NS } from '../../src/atom/namespaces';
import { describeEachDatabase } from '../support/databases';
import { securitySection } from './support';

/** A CA and a certificate it signs for localhost and 127.0.0.1, in a fresh folder. */
function makeCertificates(): { dir: string; ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sdata-tls-'));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=sdata-sync test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf'));
  return { dir, ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

const PASSWORD = 'tls-engine-pass';

describeEachDatabase('HTTPS', (tdb) => {
  const certs = makeCertificates();
  const trusting = new Agent({ connect: { ca: readFileSync(certs.ca, 'utf8') } });
  let crmServer: RunningServer;
  let erpServer: RunningServer;
  let logger: RunningLogger;

  const call = async (method: string, url: string, body?: string) => {
    const res = await fetch(url, { method, body, headers: { 'content-type': 'application/atom+xml' }, dispatcher: trusting } as RequestInit);
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    const security = await securitySection([{ name: 'engine', password: PASSWORD, roles: ['sync'] }], ['read', 'write']);
    const tls = { cert: certs.cert, key: certs.key };
    const app = (name: string) => demoConfig.applications!.filter((a) => a.name === name);
    const crmCfg = parseConfig({ ...demoConfig, applications: app('crm'), server: { port: 0, tls }, logger: { port: 0, tls }, security, log: { level: 'silent' } }, {});
    const erpCfg = parseConfig({ ...demoConfig, applications: app('erp'), server: { port: 0, tls }, security, log: { level: 'silent' } }, {});
    const crmDb = await tdb.open();
    crmServer = await startServer(crmCfg, { db: crmDb, port: 0 });
    erpServer = await startServer(erpCfg, { db: await tdb.open(), port: 0 });
    logger = await startLogger(crmCfg, { db: crmDb, port: 0 });
    const entries = ['North', 'South']
      .map((n) => `<entry><http:httpMethod>POST</http:httpMethod><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>${n}</name></account></sdata:payload></entry>`)
      .join('');
    const created = await call('POST', `${crmServer.url}/sdata/crm/test/-/accounts/$batch`, `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}">${entries}</feed>`);
    expect(created.status).toBe(200);
  });

  afterAll(async () => {
    delete process.env.SDATA_PASSWORD;
    await logger?.close();
    await crmServer?.close();
    await erpServer?.close();
    await trusting.close();
  });

  test('the servers answer https, with https endpoint URLs', async () => {
    expect(crmServer.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(logger.url).toMatch(/^https:\/\/localhost:\d+$/);
    const feed = await call('GET', `${crmServer.url}/sdata/crm/test/-/accounts`);
    expect(feed.text).toContain(`<id>https://localhost:${crmServer.port}/sdata/crm/test/-/accounts</id>`);
  });

  test('a pass between the two HTTPS servers with the CA given as engine.caFile', async () => {
    const withCa = join(certs.dir, 'engine.yaml');
    writeFileSync(withCa, stringify({ engine: { caFile: certs.ca, retry: { attempts: 1 } }, log: { level: 'silent' } }));
    const withoutCa = join(certs.dir, 'no-ca.yaml');
    writeFileSync(withoutCa, stringify({ engine: { retry: { attempts: 1 } }, log: { level: 'silent' } }));
    const source = `${crmServer.url}/sdata/crm/test/-`;
    const target = `${erpServer.url}/sdata/erp/test/-`;
    process.env.SDATA_PASSWORD = PASSWORD;
    const out: string[] = [];
    const outSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let refused: number;
    let passed: number;
    try {
      refused = await main(['pass', '--source', source, '--target', target, '--user', 'engine', '--config', withoutCa, '--json']);
      passed = await main(['pass', '--source', source, '--target', target, '--user', 'engine', '--log', logger.ingestUrl, '--config', withCa, '--json']);
    } finally {
      outSpy.mockRestore();
      errSpy.mockRestore();
    }
    const [failedRun, run] = out.join('').trim().split('\n').map((l) => JSON.parse(l) as { state: string; created: number; error?: string });
    expect(refused).toBe(1);
    expect(failedRun.error).toMatch(/no answer \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    expect(passed).toBe(0);
    expect(run).toMatchObject({ state: 'done', created: 2 });
    const erp = await call('GET', `${erpServer.url}/sdata/erp/test/-/accounts`);
    expect(erp.text).toContain('<name>North</name>');
    expect(erp.text).toContain('<name>South</name>');
    const runs = await fetch(`${logger.url}/logs/runs`, { dispatcher: trusting } as RequestInit);
    // The logger is served over HTTPS too and got the run (posting needs sync; anonymous may read).
    expect(await runs.text()).toContain('<x:state>done</x:state>');
  });
});
