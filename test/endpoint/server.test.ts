/** startServer: listens (port 0 allowed), registers endpoints under the bound port, serves real HTTP, closes. */
import { describeEachDatabase } from '../support/databases';
import { parseDigestDocument } from '../../src/atom/digestXml';
import { parseXml } from '../../src/atom/xml';
import { startServer } from '../../src/endpoint/server';
import { testConfig } from './support/testConfig';

describeEachDatabase('startServer', (tdb) => {
  it('serves the configured endpoints on the bound port and names them by it', async () => {
    const db = await tdb.open();
    const cfg = testConfig();
    cfg.server.publicBaseUrl = undefined;
    cfg.server.host = '127.0.0.1';
    const server = await startServer(cfg, { db, port: 0 });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      const res = await fetch(`${server.url}/sdata/crm/test/-/accounts/%24syncDigest`, { headers: { accept: '*/*, application/atom+xml;type=feed,*/*' } });
      expect(res.status).toBe(200);
      const digest = parseDigestDocument(parseXml(await res.text()));
      expect(digest.origin).toBe(`http://localhost:${server.port}/sdata/crm/test/-/accounts`);
      const missing = await fetch(`${server.url}/elsewhere`);
      expect(missing.status).toBe(404);
      expect(await missing.text()).toContain('<sdata:diagnoses');
    } finally {
      await server.close();
    }
    // The database given stays open for its owner.
    expect(Number((await db('endpoints').count<{ n: string }[]>({ n: '*' }))[0].n)).toBe(6);
  });
});
