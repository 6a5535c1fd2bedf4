/**
 * Prefix visibility (PROTOCOL.md 2.1) under concurrent writers on a real PostgreSQL: 8 writers make
 * PREFIX_CHANGES local changes each (100; 200 in `npm run test:soak`) (each in its own transaction, holding it open a little after taking its tick) while a
 * reader keeps selecting the changes with tick >= t. No reader may ever see tick t+k committed without
 * every tick below it.
 */
import { describePostgres } from '../support/databases';
import { endpointDefs } from '../../src/config/catalog';
import type { Db } from '../../src/store/db';
import { registerEndpoints } from '../../src/store/endpoints';
import { createResources, type LocalEndpoint } from '../../src/store/resources';
import { testConfig } from '../endpoint/support/testConfig';

const WRITERS = 8;
const CHANGES = Number(process.env.PREFIX_CHANGES ?? 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describePostgres('prefix visibility under concurrent writers', (tdb) => {
  let db: Db;
  let ep: LocalEndpoint;

  beforeAll(async () => {
    db = await tdb.open();
    const [registered] = await registerEndpoints(db, endpointDefs(testConfig()).slice(0, 1));
    ep = { id: registered.id, url: registered.url, keys: registered.def.keys };
    // One connection per writer, one for the reader, one spare.
    expect(db.client.pool.max).toBeGreaterThanOrEqual(WRITERS + 2);
  });

  it('never lets a reader see a tick before every tick below it', async () => {
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; i < CHANGES; i++) {
        await db.transaction(async (trx) => {
          await createResources(trx, ep, [{ values: { name: `w${w}-${i}` } }]);
          // Hold the tick uncommitted for a moment: without the clock lock a later tick would commit first.
          if (i % 3 === 0) await sleep(1);
        });
      }
    };
    const violations: string[] = [];
    let reads = 0;
    let partialReads = 0;
    const reader = async () => {
      let t = 1;
      while (writing) {
        // Usually continue from the contiguous prefix seen so far; sometimes re-read from the start.
        const from = reads % 10 === 0 ? 1 : t;
        const rows: { state_tick: number }[] = await db('resources').select('state_tick').where({ endpoint_id: ep.id, state_endpoint: ep.url }).andWhere('state_tick', '>=', from).orderBy('state_tick');
        reads += 1;
        rows.forEach((r, i) => {
          if (Number(r.state_tick) !== from + i) violations.push(`read from ${from}: position ${i} holds tick ${r.state_tick}`);
        });
        if (from === t) t += rows.length;
        if (rows.length > 0 && t <= WRITERS * CHANGES) partialReads += 1;
      }
    };
    const readerDone = reader();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await readerDone;

    expect(violations).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    expect(partialReads).toBeGreaterThan(5);
    const ticks = (await db('resources').select('state_tick').where('endpoint_id', ep.id).orderBy('state_tick')).map((r: { state_tick: number }) => Number(r.state_tick));
    expect(ticks).toHaveLength(WRITERS * CHANGES);
    expect(new Set(ticks).size).toBe(WRITERS * CHANGES);
    expect(ticks).toEqual(Array.from({ length: WRITERS * CHANGES }, (_, i) => i + 1));
    expect(Number((await db('endpoints').where('id', ep.id).first()).clock)).toBe(WRITERS * CHANGES + 1);
  }, 120_000);
});
