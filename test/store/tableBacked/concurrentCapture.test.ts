/**
 * Capture under concurrent writers on a real PostgreSQL: 8 application clients (plain `pg`, not our API)
 * make 500 changes each in single-row and multi-row INSERT, UPDATE and DELETE statements, some of them two
 * statements to a transaction, while a reader keeps selecting by tick.
 *
 * Prefix visibility (PROTOCOL.md 2.1): in the same transaction as each statement, the writer records the
 * ticks the statement's rows took (read back from the change log) into a table of the test, so a recorded
 * tick is visible exactly when its transaction is. A reader snapshot must see the recorded ticks from its
 * cursor on as one contiguous run, and every tick it sees captured (in the change log or, once folded, in a
 * sync state) among them: tick t+k committed without tick t would show as a hole. Between snapshots the
 * reader folds the change log, as a server does before it reads, concurrently with the writers. Every
 * change takes exactly one tick: the clock moves by the number of changed rows and each tick is recorded
 * once. At the end, folded, every row's sync state holds the row's values, and every deleted row is a
 * tombstone.
 */
import pg from 'pg';
import { describePostgres, postgresUrl } from '../../support/databases';
import type { Db } from '../../../src/store/db';
import { installStore } from '../../../src/store/tableBacked/install';
import type { TableStore, TableStores } from '../../../src/store/tableBacked/stores';
import { clockOf, createAppTables, ERP, onlyStore, tableConfig, uniqueName } from './support';
import { foldCapturedChanges } from '../../../src/store/tableBacked/fold';

const WRITERS = 8;
const CHANGES = Number(process.env.CAPTURE_CHANGES ?? 500);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describePostgres('table-backed capture under concurrent writers', (tdb) => {
  let db: Db;
  let stores: TableStores;
  let store: TableStore;
  let app: string;
  let pool: pg.Pool;
  let endpointId: number;

  beforeAll(async () => {
    db = await tdb.open();
    app = uniqueName('app');
    await createAppTables(db, app);
    await db.raw(`INSERT INTO "${app}".accounts (name) VALUES ('Acme')`);
    await db.raw(`CREATE TABLE "${app}".tick_log (tick bigint PRIMARY KEY)`);
    ({ stores, store } = await onlyStore(tableConfig({ schema: app, adapterSchema: uniqueName('ad'), connection: postgresUrl })));
    await installStore(store);
    endpointId = (await store.db.withSchema(store.schema).from('endpoints').where('url', `${ERP}/customers`).first('id')).id;
    pool = new pg.Pool({ connectionString: postgresUrl, max: WRITERS + 2 });
  });

  afterAll(async () => {
    await pool.end();
    await stores.close();
    await db.raw(`DROP SCHEMA IF EXISTS "${app}" CASCADE; DROP SCHEMA IF EXISTS "${store.adapterSchema}" CASCADE`);
  });

  it('keeps every reader on a contiguous prefix of ticks, and gives each change exactly one tick', async () => {
    const clockBefore = await clockOf(store, 'customers');
    const customers = `"${app}".customers`;
    const resources = `"${store.schema}".resources`;
    /** Every tick in the change log (not folded yet), as `tick`. */
    const capturedTicks = `SELECT c.first_tick + k.i - 1 AS tick, k.key FROM "${store.schema}".captured_changes c CROSS JOIN LATERAL unnest(c.keys) WITH ORDINALITY AS k(key, i) WHERE c.endpoint_id = $1`;

    /** Records, in the writer's transaction, the ticks the statement just gave the rows `keys` (their latest in the log). */
    const logTicks = async (c: pg.PoolClient, keys: (string | number)[]) => {
      await c.query(`INSERT INTO "${app}".tick_log SELECT max(t.tick) FROM (${capturedTicks}) t WHERE t.key = ANY ($2::text[]) GROUP BY t.key`, [endpointId, keys.map(String)]);
    };

    const writer = async (w: number): Promise<number> => {
      const c = await pool.connect();
      const mine: number[] = [];
      let changes = 0;
      let statement = 0;
      try {
        while (changes < CHANGES) {
          await c.query('BEGIN');
          const step = (statement++ + w) % 6;
          if (step === 0 || mine.length < 3) {
            const n = 1 + (changes % 3);
            const { rows } = await c.query(`INSERT INTO ${customers} (full_name, account_id) SELECT 'w${w}-' || g, 1 FROM generate_series(1, ${n}) g RETURNING id`);
            mine.push(...rows.map((r) => Number(r.id)));
            await logTicks(c, rows.map((r) => r.id));
            changes += n;
          } else if (step === 1 || step === 2) {
            const keys = mine.slice(-(step === 1 ? 1 : 3));
            const r = await c.query(`UPDATE ${customers} SET visits = coalesce(visits, 0) + 1 WHERE id = ANY ($1)`, [keys]);
            await logTicks(c, keys);
            changes += r.rowCount ?? 0;
            // A second statement on the same row: its first tick is superseded before commit.
            const again = await c.query(`UPDATE ${customers} SET email = 'w${w}-' || id || '-${changes}@x' WHERE id = $1`, [keys[0]]);
            await logTicks(c, [keys[0]]);
            changes += again.rowCount ?? 0;
          } else if (step === 3) {
            // No mapped column changes: no tick.
            await c.query(`UPDATE ${customers} SET created_at = created_at + interval '1 second' WHERE id = ANY ($1)`, [mine.slice(-2)]);
          } else {
            const keys = mine.splice(0, step === 4 ? 1 : 2);
            const r = await c.query(`DELETE FROM ${customers} WHERE id = ANY ($1)`, [keys]);
            await logTicks(c, keys);
            changes += r.rowCount ?? 0;
          }
          // Hold the ticks uncommitted a moment now and then: without the clock lock later ticks would commit first.
          if (statement % 7 === 0) await sleep(1);
          await c.query('COMMIT');
        }
      } catch (err) {
        await c.query('ROLLBACK');
        throw err;
      } finally {
        c.release();
      }
      return changes;
    };

    let writing = true;
    let snapshots = 0;
    let cursor = clockBefore;
    const reader = async () => {
      const c = await pool.connect();
      try {
        while (writing) {
          await foldCapturedChanges(store.db, store.endpoints[0]);
          await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
          const logged = (await c.query(`SELECT tick FROM "${app}".tick_log WHERE tick >= $1 ORDER BY tick`, [cursor])).rows.map((r) => Number(r.tick));
          const states = (
            await c.query(`SELECT state_tick FROM ${resources} WHERE endpoint_id = $1 AND state_tick >= $2 UNION ALL SELECT t.tick FROM (${capturedTicks}) t WHERE t.tick >= $2`, [endpointId, cursor])
          ).rows.map((r) => Number(r.state_tick));
          await c.query('COMMIT');
          snapshots += 1;
          logged.forEach((t, i) => {
            if (t !== cursor + i) throw new Error(`a reader saw tick ${t} without tick ${cursor + i}`);
          });
          const seen = new Set(logged);
          for (const t of states) if (!seen.has(t)) throw new Error(`a reader saw the sync state of tick ${t}, whose transaction it cannot see committed`);
          cursor += logged.length;
        }
      } finally {
        c.release();
      }
    };

    const reading = reader();
    const counts = await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await reading;

    const changes = counts.reduce((a, b) => a + b, 0);
    const clockAfter = await clockOf(store, 'customers');
    const { rows } = await db.raw(`SELECT count(*)::int AS n, min(tick) AS lo, max(tick) AS hi FROM "${app}".tick_log`);
    expect(changes).toBeGreaterThanOrEqual(WRITERS * CHANGES);
    expect(clockAfter - clockBefore).toBe(changes);
    expect(rows[0]).toEqual({ n: changes, lo: clockBefore, hi: clockAfter - 1 });
    expect(snapshots).toBeGreaterThan(10);

    // Folded, the sync states are the rows: values of every live row, a tombstone for every deleted one.
    await foldCapturedChanges(store.db, store.endpoints[0]);
    const live = (await db.raw(`SELECT id::text AS key, full_name, email FROM ${customers}`)).rows as { key: string; full_name: string; email: string | null }[];
    const states = (await db.raw(`SELECT local_key, deleted, payload FROM ${resources} WHERE endpoint_id = ?`, [endpointId])).rows as { local_key: string; deleted: boolean; payload: Record<string, unknown> }[];
    const byKey = new Map(states.map((s) => [s.local_key, s]));
    for (const r of live) expect(byKey.get(r.key)).toMatchObject({ deleted: false, payload: expect.objectContaining({ name: r.full_name, email: r.email }) });
    expect(states.filter((s) => !s.deleted)).toHaveLength(live.length);
  }, 120_000);
});
