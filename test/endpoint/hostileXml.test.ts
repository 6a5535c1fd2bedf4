/**
 * The hostile entry on a real server (a port, real connections, so the concurrency is real): an
 * entry whose <name> holds 100,000 nested elements (1.2 MB) kept the server at 100% CPU for about 110 s,
 * and every other request waited. It is refused at the depth limit within seconds at most, and a GET sent
 * while it is being read is answered meanwhile (within a second, however busy the machine).
 */
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { parseXml } from '../../src/atom/xml';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { describeEachDatabase } from '../support/databases';
import { testConfig } from './support/testConfig';

const LEVELS = 100_000;
const hostileEntry = () =>
  `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>${'<node>'.repeat(LEVELS)}${'</node>'.repeat(LEVELS)}</name></account></sdata:payload></entry>`;

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; millis: number }> {
  const t = performance.now();
  const value = await run();
  return { value, millis: performance.now() - t };
}

describeEachDatabase('a deeply nested entry on a real server', (tdb) => {
  let server: RunningServer;
  let collection: string;
  beforeAll(async () => {
    const cfg = testConfig();
    cfg.server.host = '127.0.0.1';
    // The default body limit (10 MB): the entry is well under it.
    cfg.server.bodyLimitBytes = 10 * 1024 * 1024;
    server = await startServer(cfg, { db: await tdb.open(), port: 0 });
    collection = `${server.url}/sdata/crm/test/-/accounts`;
    // A first GET, so the timed one below measures the answer, not the first query's warm-up.
    expect((await fetch(collection)).status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses the 100,000-level entry (1.2 MB) in seconds at most, answering a concurrent GET meanwhile (bounds that hold on a busy machine: they guard against a reader that holds the process)', async () => {
    const body = hostileEntry();
    expect(body.length).toBeGreaterThan(1_200_000);
    const post = timed(async () => {
      const res = await fetch(collection, { method: 'POST', headers: { 'Content-Type': 'application/atom+xml;type=entry' }, body });
      return { status: res.status, text: await res.text() };
    });
    // Sent while the POST is on its way or being read.
    const get = await timed(async () => (await fetch(collection)).status);
    const refused = await post;
    expect(refused.value.status).toBe(400);
    const [d] = diagnosesIn(parseXml(refused.value.text));
    expect(d.applicationCode).toBe('XmlLimitExceeded');
    expect(d.message).toContain('xml.maxDepth');
    expect(refused.millis).toBeLessThan(5_000);
    expect(get.value).toBe(200);
    expect(get.millis).toBeLessThan(1_000);
    // Nothing was stored.
    const feed = await (await fetch(collection)).text();
    expect(feed).not.toContain('<node>');
  });
});
