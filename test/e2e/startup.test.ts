/**
 * The issue as reported: `sdata-sync serve` on a new data folder, with a client connecting in a loop from
 * the moment the process starts. Every request is answered (a new PGlite folder takes seconds of initdb:
 * 503 + Retry-After meanwhile, /readyz 503), none hangs, and then the real answers come.
 */
import { join } from 'node:path';
import { databaseEnv, dropDatabases, freePort, spawnCli, tempDir, type DatabaseKind } from './support/processes';

jest.setTimeout(180_000);

const databases: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

afterAll(async () => {
  await dropDatabases();
});

interface Probe {
  url: string;
  status: number;
  retryAfter: string | null;
  body: string;
}

describe.each(databases)('[%s] a client connecting while the server starts', (kind) => {
  it('gets an answer to every request (503 + Retry-After while starting, never a hang), then the real one', async () => {
    const dir = tempDir();
    const port = await freePort();
    const env = await databaseEnv(kind, dir, 'fresh');
    if (kind === 'pglite') env.DATA_DIR = join(dir, 'new-folder');
    const base = `http://127.0.0.1:${port}`;
    const urls = [`${base}/readyz`, `${base}/sdata/crm/test/-/accounts`];
    const proc = spawnCli(['serve'], { ...env, PORT: String(port) });
    const answers: Probe[] = [];
    let refused = 0;
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        expect(Date.now()).toBeLessThan(deadline);
        let ready = false;
        for (const url of urls) {
          try {
            // A hang would end here with a TimeoutError and fail the test (30 s: the bound of a hang, not of a
            // busy machine, where loading PGlite can hold the process for seconds).
            const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
            answers.push({ url, status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() });
            ready ||= url.endsWith('/readyz') && res.status === 200;
          } catch (err) {
            if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw err;
            refused += 1;
          }
        }
        if (ready) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const starting = answers.filter((a) => a.status === 503);
      for (const a of starting) {
        expect(a.retryAfter).toBe('1');
        expect(a.body).toContain('ApplicationUnavailable');
      }
      // initdb of a new PGlite folder takes seconds: the loop must have met the starting server.
      if (kind === 'pglite') expect(starting.length).toBeGreaterThan(0);
      for (const a of answers) expect([200, 503]).toContain(a.status);
      const feed = await fetch(urls[1], { signal: AbortSignal.timeout(10_000) });
      expect(feed.status).toBe(200);
      expect(refused + answers.length).toBeGreaterThan(0);
    } finally {
      await proc.stop();
    }
  });
});
