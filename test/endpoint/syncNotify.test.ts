/** `GET {ep}/$syncNotify` (PROTOCOL.md 7): the digest after each committed change, coalesced; heartbeats; Last-Event-ID. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { describeEachDatabase, describePostgres, postgresUrl } from '../support/databases';
import { openDatabase, type Db } from '../../src/store/db';
import { createApp, prepareRuntime } from '../../src/endpoint/server';
import { readEvents, type EventReader } from '../support/sse';
import { NS } from '../../src/atom/namespaces';
import { parseDigestDocument } from '../../src/atom/digestXml';
import { parseXml } from '../../src/atom/xml';
import { tickOf } from '../../src/protocol/digest';
import { openTestApp, type TestApp } from './support/app';
import { CRM, testConfig } from './support/testConfig';
import { entryWith } from './support/xmlBodies';

const ACCOUNTS = `${CRM}/accounts`;
const EP = '/sdata/crm/test/-/accounts';
const acc = (name: string) => `<account xmlns="urn:sdata-sync:demo"><name>${name}</name></account>`;
const batchOf = (n: number) =>
  `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}">${Array.from({ length: n }, (_, i) => `<entry><http:httpMethod>POST</http:httpMethod><sdata:payload>${acc(`b${i}`)}</sdata:payload></entry>`).join('')}</feed>`;
const ownTick = (data: string) => tickOf(parseDigestDocument(parseXml(data)), ACCOUNTS, 0);

describeEachDatabase('$syncNotify', (tdb) => {
  let t: TestApp;
  let server: Server;
  let base: string;
  const open: EventReader[] = [];
  const listen = async (headers: Record<string, string> = {}) => {
    const r = await readEvents(`${base}${EP}/$syncNotify`, headers);
    open.push(r);
    return r;
  };

  beforeAll(async () => {
    t = await openTestApp(tdb, testConfig({ sync: { heartbeatSeconds: 0.3, notifyCoalesceMillis: 20 } }));
    server = createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    for (const r of open.splice(0)) r.close();
  });

  afterAll(async () => {
    await t.runtime.digestHub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is an event stream whose first event is the current digest', async () => {
    const r = await listen();
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/event-stream/);
    const first = await r.waitFor(() => true);
    expect(first.event).toBe('digest');
    const digest = parseDigestDocument(parseXml(first.data));
    expect(digest.origin).toBe(ACCOUNTS);
    expect(first.id).toEqual(expect.any(String));
  });

  it('sends the new digest after a committed create, and after a $batch', async () => {
    const r = await listen();
    const first = await r.waitFor(() => true);
    const before = ownTick(first.data);
    await t.http().post(EP).send(entryWith(acc('one'))).expect(201);
    const afterCreate = await r.waitFor((e) => e.event === 'digest' && ownTick(e.data) === before + 1);
    expect(afterCreate.id).not.toBe(first.id);
    await t.http().post(`${EP}/$batch`).send(batchOf(3)).expect(200);
    await r.waitFor((e) => e.event === 'digest' && ownTick(e.data) === before + 4);
  });

  it('coalesces a burst of commits into far fewer events, the last one holding every change', async () => {
    const r = await listen();
    const before = ownTick((await r.waitFor(() => true)).data);
    const from = r.events.length;
    await Promise.all(Array.from({ length: 40 }, (_, i) => t.http().post(EP).send(entryWith(acc(`burst${i}`))).expect(201)));
    await r.waitFor((e) => e.event === 'digest' && ownTick(e.data) === before + 40, 5000, from);
    const changeEvents = r.events.slice(from).filter((e) => e.event === 'digest');
    expect(changeEvents.length).toBeLessThan(40);
  });

  it('heartbeats the same digest when nothing changes', async () => {
    const r = await listen();
    const first = await r.waitFor(() => true);
    const beat = await r.waitFor((e) => e.event === 'heartbeat', 3000);
    expect(beat.id).toBe(first.id);
    expect(beat.data.replace(/<updated>[^<]*<\/updated>/, '')).toBe(first.data.replace(/<updated>[^<]*<\/updated>/, ''));
  });

  it('with the Last-Event-ID of the current digest, sends nothing until it moves; with an older one, the current digest at once', async () => {
    const r1 = await listen();
    const current = await r1.waitFor(() => true);
    const again = await listen({ 'last-event-id': current.id! });
    await t.runtime.digestHub.close(); // no heartbeat or change event can come from the hub now
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A heartbeat may have come before the hub closed (one every 0.3 s here); no digest event did.
    expect(again.events.filter((e) => e.event !== 'heartbeat')).toEqual([]);
    const older = await listen({ 'last-event-id': 'an-id-seen-long-ago' });
    expect((await older.waitFor(() => true)).id).toBe(current.id);
  });

  it('refuses unknown query parameters with a diagnosis', async () => {
    const res = await fetch(`${base}${EP}/$syncNotify?since=3`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('BadQueryParameter');
  });
});

describePostgres('$syncNotify across server processes', (tdb) => {
  it('hears a change committed through another server over the same PostgreSQL', async () => {
    const a = await openTestApp(tdb, testConfig({ sync: { heartbeatSeconds: 60 } }));
    const searchPath = a.db.client.config.searchPath as string[];
    const otherDb = await openDatabase({ databaseUrl: postgresUrl, schema: searchPath[0] });
    const bRuntime = await prepareRuntime(testConfig(), { db: otherDb });
    const server = createServer(a.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const r = await readEvents(`http://127.0.0.1:${(server.address() as AddressInfo).port}${EP}/$syncNotify`);
    try {
      const before = ownTick((await r.waitFor(() => true)).data);
      await request(createApp(bRuntime)).post(EP).send(entryWith(acc('elsewhere'))).expect(201);
      await r.waitFor((e) => e.event === 'digest' && ownTick(e.data) === before + 1);
    } finally {
      r.close();
      await a.runtime.digestHub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await otherDb.destroy();
    }
  });
});

/** Takes every connection of the database's pool until the returned function gives them back. */
async function holdPool(db: Db): Promise<() => void> {
  const pool = (db.client as { pool: { max: number } }).pool;
  const held = await Promise.all(Array.from({ length: pool.max }, () => db.client.acquireConnection()));
  return () => {
    for (const connection of held) db.client.releaseConnection(connection);
  };
}

describeEachDatabase('$syncNotify stream cap', (tdb) => {
  it('a burst of 200 stream opens against a cap of 50 gets exactly 50 streams, the rest a 503 with a diagnosis', async () => {
    const t = await openTestApp(tdb, testConfig({ sync: { heartbeatSeconds: 60, maxNotifyListeners: 50 } }));
    const server = createServer(t.app);
    let arrived = 0;
    server.on('request', () => (arrived += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${EP}/$syncNotify`;
    const abort = new AbortController();
    const open = () => fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    try {
      // The database is slow to answer while the burst arrives: every stream's set-up waits on it.
      const release = await holdPool(t.db);
      const burst = Array.from({ length: 200 }, async () => {
        const res = await open();
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.status === 200 ? '' : await res.text() };
      });
      while (arrived < 200) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      const answers = await Promise.all(burst);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(50);
      const refused = answers.filter((a) => a.status !== 200);
      expect(refused).toHaveLength(150);
      for (const a of refused) {
        expect(a.status).toBe(503);
        expect(a.retryAfter).toBe('5');
        expect(a.body).toContain('TooManyListeners');
      }
      expect(t.runtime.digestHub.listenerCount).toBe(50);
      abort.abort();
      const deadline = Date.now() + 30_000;
      while (t.runtime.digestHub.listenerCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(t.runtime.digestHub.listenerCount).toBe(0);
      const again = await fetch(url, { headers: { accept: 'text/event-stream' } });
      expect(again.status).toBe(200);
      await again.body?.cancel();
    } finally {
      abort.abort();
      await t.runtime.digestHub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
