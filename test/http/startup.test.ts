/**
 * Start-up: a request that reaches the port while the server or the logger is still starting is answered
 * (503 + Retry-After + a diagnosis, /healthz 200, /readyz 503), never left hanging; once the start-up is
 * done the real answers come. The start-up is held back for real: a transaction of the test holds a lock
 * that the migrations (server) or the first retention pass (logger) need, so they wait on the database.
 * A start refused on the way closes what it opened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load';
import { startServer } from '../../src/endpoint/server';
import { lockDataDir } from '../../src/store/dataDirLock';
import { startLogger } from '../../src/logger/service';
import type { Db } from '../../src/store/db';
import { describeEachDatabase } from '../support/databases';
import { testConfig } from '../endpoint/support/testConfig';
import { freePort } from '../e2e/support/processes';
import { copyTemplate } from '../support/pgliteTemplate';

interface Answer {
  status: number;
  retryAfter: string | null;
  body: string;
}

/** A request that must be answered within 5 s (a hang fails the test; in-process PGlite can hold the event loop for a while). */
async function get(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

/** A refused connection (nothing listens yet) as opposed to a request left unanswered. */
const refused = (err: unknown) => (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';

/**
 * Probes the URLs in a loop until `started` settles; every probe must be answered within 5 s. The answers
 * that arrived before `released()` is true are returned: the start-up cannot be done then.
 */
async function probeWhileStarting(urls: string[], seen: Map<string, Answer[]>, started: Promise<unknown>, released: () => boolean): Promise<Map<string, Answer[]>> {
  let done = false;
  void started.finally(() => (done = true));
  for (;;) {
    try {
      await get(urls[0]);
      break;
    } catch (err) {
      if (!refused(err)) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  while (!done) {
    for (const u of urls) {
      const answer = await get(u, u.includes('sdata') ? { method: 'POST', body: '<entry/>' } : {});
      // Answered before the lock was let go: the start-up cannot have been done.
      if (!released()) seen.get(u)!.push(answer);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return seen;
}

/** Holds a transaction that locks the table; `release` commits it, `released` says whether it was asked. */
async function holdLock(db: Db, table: string): Promise<{ release(): Promise<void>; released(): boolean }> {
  const trx = await db.transaction();
  await trx.raw('LOCK TABLE ?? IN ACCESS EXCLUSIVE MODE', [table]);
  let asked = false;
  return {
    released: () => asked,
    release: async () => {
      asked = true;
      await trx.commit();
    },
  };
}

/**
 * Starts a server while a transaction of the test locks `table`, probes the URLs meanwhile, then lets the
 * start-up go on. Whatever happens, the lock is released and the server closed in the end.
 */
async function probeHeldBackStart<T extends { close(): Promise<void> }>(db: Db, table: string, start: () => Promise<T>, urls: string[]) {
  const lock = await holdLock(db, table);
  const started = start();
  try {
    const seen = new Map<string, Answer[]>(urls.map((u) => [u, []]));
    const probing = probeWhileStarting(urls, seen, started, lock.released);
    // Let the probes run against the held-back start-up until every URL has been answered (however slow
    // the machine), then let it go on.
    for (let waited = 0; [...seen.values()].some((a) => a.length === 0) && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await lock.release();
    return { seen: await probing, running: await started };
  } catch (err) {
    if (!lock.released()) await lock.release();
    void started.then((s) => s.close(), () => undefined);
    throw err;
  }
}

function expectStarting(answers: Answer[]): void {
  expect(answers.length).toBeGreaterThan(0);
  for (const a of answers) {
    expect(a.status).toBe(503);
    expect(a.retryAfter).toBe('1');
    expect(a.body).toContain('<sdata:diagnoses');
    expect(a.body).toContain('ApplicationUnavailable');
    expect(a.body).toMatch(/starting/);
  }
}

describeEachDatabase('start-up gate', (tdb) => {
  it('the endpoint server answers 503 + Retry-After while its migrations wait, /healthz 200, /readyz 503, then the real answers', async () => {
    const db = await tdb.open();
    const port = await freePort();
    const cfg = testConfig();
    cfg.server.host = '127.0.0.1';
    const base = `http://127.0.0.1:${port}`;
    const collection = `${base}/sdata/crm/test/-/accounts`;
    const { seen, running: server } = await probeHeldBackStart(db, 'knex_migrations', () => startServer(cfg, { db, port }), [`${base}/readyz`, `${base}/healthz`, collection]);
    try {
      expectStarting(seen.get(`${base}/readyz`)!);
      expectStarting(seen.get(collection)!);
      for (const a of seen.get(`${base}/healthz`)!) expect([a.status, a.body]).toEqual([200, 'ok']);
      expect((await get(`${base}/readyz`)).status).toBe(200);
      expect((await get(`${base}/healthz`)).status).toBe(200);
      expect((await get(collection)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('the event logger answers 503 + Retry-After while its start-up waits on the database, then the real answers', async () => {
    const db = await tdb.open();
    const port = await freePort();
    const cfg = testConfig();
    const base = `http://127.0.0.1:${port}`;
    const { seen, running: logger } = await probeHeldBackStart(db, 'log_events', () => startLogger(cfg, { db, port }), [`${base}/readyz`, `${base}/healthz`, `${base}/logs/runs`]);
    try {
      expectStarting(seen.get(`${base}/readyz`)!);
      expectStarting(seen.get(`${base}/logs/runs`)!);
      for (const a of seen.get(`${base}/healthz`)!) expect(a.status).toBe(200);
      expect((await get(`${base}/readyz`)).status).toBe(200);
      expect((await get(`${base}/logs/runs`)).status).toBe(200);
    } finally {
      await logger.close();
    }
  });
});

describe('[pglite] a refused start', () => {
  it('closes the database it opened: its data folder is free for the next process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdata-refused-'));
    try {
      const folder = join(dir, 'data');
      if (!(await copyTemplate(folder))) throw new Error('no PGlite template in this run');
      const tableBacked = { name: 'shop', contract: 'test', namespace: 'urn:shop', kinds: [{ name: 'customers', element: 'customer', table: { name: 'absent', key: 'id' }, properties: { name: { type: 'string' } } }] };
      const cfg = parseConfig({ server: { port: 0 }, storage: { dataDir: folder }, log: { level: 'silent' }, applications: [tableBacked] }, {});
      await expect(startServer(cfg)).rejects.toThrow('table public.absent does not exist (kind customers)');
      const release = await lockDataDir(folder);
      await release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
