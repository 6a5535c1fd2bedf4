/**
 * Property (fast-check): a head office `hq` with its accounts partitioned by country (FR, DE) and two
 * subsidiaries `fr` and `de` with plain accounts, routes hq-FR <-> fr and hq-DE <-> de (one endpoint
 * server in this process; PGlite, and PostgreSQL when DATABASE_URL is set). Random creates, renames,
 * partition moves (a country changed FR -> DE or DE -> FR, at hq or at a subsidiary), deletes, edits of one
 * account at both ends between two passes, and passes in random directions (pages of 2, some cut after a
 * page or two). Then passes run until nothing moves: each subsidiary holds exactly its partition's
 * resources, each partition only accounts of its country, and hq's kind URL the union of its partitions.
 *
 * PARTITION_CONVERGENCE_RUNS=n runs n histories (default 1; 3 in `npm run test:soak`).
 */
import fc from 'fast-check';
import { parseConfig } from '../../src/config/load';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { runPass } from '../../src/engine/pass';
import { SDataClient } from '../../src/engine/sdataClient';
import { partitionUrl } from '../../src/protocol/partitions';
import { describeEachDatabase } from '../support/databases';
import { create, DEMO_NS, readAll, remove, update, valuesByUuid, type StoredResource } from '../e2e/support/sdata';

jest.setTimeout(600_000);

const RUNS = Number(process.env.PARTITION_CONVERGENCE_RUNS ?? 1);
const COUNTRIES = ['FR', 'DE'] as const;
/** Where a write is made: hq (through its kind URL), fr, de. */
const SITES = 3;

type Op =
  | { type: 'create'; at: number; country: number; name: number }
  | { type: 'rename'; at: number; pick: number; name: number }
  | { type: 'move'; at: number; pick: number }
  | { type: 'delete'; at: number; pick: number }
  | { type: 'bothEnds'; country: number; pick: number; name: number; moveAtSubsidiary: boolean }
  | { type: 'pass'; country: number; up: boolean; cutAfter: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('create' as const), at: fc.nat(SITES - 1), country: fc.nat(1), name: fc.nat(999) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('rename' as const), at: fc.nat(SITES - 1), pick: fc.nat(50), name: fc.nat(999) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('move' as const), at: fc.nat(SITES - 1), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), at: fc.nat(SITES - 1), pick: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('bothEnds' as const), country: fc.nat(1), pick: fc.nat(50), name: fc.nat(999), moveAtSubsidiary: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('pass' as const), country: fc.nat(1), up: fc.boolean(), cutAfter: fc.oneof(fc.constant(0), fc.constant(0), fc.nat({ max: 2 })) }) },
);

const other = (country: string) => (country === 'FR' ? 'DE' : 'FR');

describeEachDatabase('random histories with partition moves converge (hq FR/DE with fr and de)', (tdb) => {
  let server: RunningServer;
  let hq: string;
  /** hq's partition endpoints, by country index. */
  let partitions: string[] = [];
  /** The subsidiaries' endpoints, by country index. */
  let subsidiaries: string[] = [];
  let runNo = 0;
  const client = () => new SDataClient({ run: { runName: `partition convergence ${++runNo}`, runStamp: new Date().toISOString() }, retry: { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 } });

  beforeAll(async () => {
    const db = await tdb.open();
    const cfg = parseConfig(
      {
        server: { port: 0 },
        log: { level: 'warn' },
        sync: { answerWithinMillis: 5 },
        applications: ['hq', 'fr', 'de'].map((name, i) => ({
          name,
          contract: 'test',
          namespace: DEMO_NS,
          conflictPriority: i + 1,
          kinds: [
            {
              name: 'accounts',
              element: 'account',
              properties: { name: { type: 'string', required: true }, country: { type: 'string', required: true } },
              ...(name === 'hq' ? { partitions: COUNTRIES.map((c) => ({ where: `country eq '${c}'` })) } : {}),
            },
          ],
        })),
      },
      {},
    );
    server = await startServer(cfg, { db, port: 0 });
    hq = `${server.url}/sdata/hq/test/-/accounts`;
    partitions = COUNTRIES.map((c) => partitionUrl(hq, `country eq '${c}'`));
    subsidiaries = ['fr', 'de'].map((n) => `${server.url}/sdata/${n}/test/-/accounts`);
  });

  afterAll(async () => {
    await server?.close();
  });

  /** The endpoint written at a site: hq's kind URL (a write goes to the partition its values fall in), or a subsidiary. */
  const site = (at: number) => (at === 0 ? hq : subsidiaries[at - 1]);
  const pick = (all: StoredResource[], n: number) => (all.length === 0 ? undefined : all[n % all.length]);

  async function run(op: Op): Promise<void> {
    switch (op.type) {
      case 'create':
        await create(site(op.at), 'account', { name: `n${op.name}`, country: op.at === 0 ? COUNTRIES[op.country] : COUNTRIES[op.at - 1] });
        return;
      case 'rename': {
        const r = pick(await readAll(site(op.at)), op.pick);
        if (r) await update(site(op.at), r.key, 'account', { ...r.values, name: `r${op.name}` });
        return;
      }
      case 'move': {
        const r = pick(await readAll(site(op.at)), op.pick);
        if (r) await update(site(op.at), r.key, 'account', { ...r.values, country: other(r.values.country) });
        return;
      }
      case 'delete': {
        const r = pick(await readAll(site(op.at)), op.pick);
        if (r) await remove(site(op.at), r.key);
        return;
      }
      case 'bothEnds': {
        // One account edited at hq and at the subsidiary of its partition before either hears of the other.
        const sub = subsidiaries[op.country];
        const there = await readAll(sub);
        const shared = (await readAll(partitions[op.country])).filter((h) => there.some((s) => s.uuid === h.uuid));
        const atHq = pick(shared, op.pick);
        if (!atHq) return;
        const atSub = there.find((s) => s.uuid === atHq.uuid)!;
        await update(hq, atHq.key, 'account', { ...atHq.values, name: `h${op.name}` });
        await update(sub, atSub.key, 'account', op.moveAtSubsidiary ? { ...atSub.values, country: other(atSub.values.country) } : { ...atSub.values, name: `s${op.name}` });
        return;
      }
      case 'pass': {
        const [s, t] = op.up ? [subsidiaries[op.country], partitions[op.country]] : [partitions[op.country], subsidiaries[op.country]];
        await runPass({ source: s, target: t, client: client(), pageSize: 2, stopAfterPages: op.cutAfter > 0 ? op.cutAfter : undefined });
      }
    }
  }

  /** Passes along both routes both ways until a whole round moves nothing. */
  async function settle(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      let moved = 0;
      for (let c = 0; c < COUNTRIES.length; c++) {
        moved += (await runPass({ source: partitions[c], target: subsidiaries[c], client: client(), pageSize: 50 })).entries;
        moved += (await runPass({ source: subsidiaries[c], target: partitions[c], client: client(), pageSize: 50 })).entries;
      }
      if (moved === 0) return;
    }
    throw new Error('passes still move entries after 10 rounds');
  }

  it('each subsidiary ends with exactly its partition, each partition with its country only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 30 }), async (ops) => {
        for (const op of ops) await run(op);
        await settle();
        const union: Record<string, unknown> = {};
        for (let c = 0; c < COUNTRIES.length; c++) {
          const partition = Object.fromEntries(await valuesByUuid(partitions[c]));
          expect(Object.fromEntries(await valuesByUuid(subsidiaries[c]))).toEqual(partition);
          expect(Object.values(partition).every((v) => v.country === COUNTRIES[c])).toBe(true);
          Object.assign(union, partition);
        }
        expect(Object.fromEntries(await valuesByUuid(hq))).toEqual(union);
      }),
      { numRuns: RUNS },
    );
  });
});
