/**
 * End to end, property-based: three endpoint servers (crm, erp, web; real processes on loopback) in a chain
 * and in a triangle. fast-check generates random creates, updates and deletes on random endpoints,
 * interleaved with random passes in random directions (pages of 2, some cut after a page or two). Then
 * passes run until nothing moves, and every endpoint must hold the same data by UUID and the same digest,
 * and no parked conflict may oppose a version to one of its own ancestors.
 *
 * Versions are named by their ETag (a hash of their sync state, endpoint and tick): every write records the
 * version it replaced as its parent. Versions the test never wrote (restamps made by conflict resolution,
 * tombstones) have no recorded parents, so the ancestor check can miss a false conflict through them but
 * never invents one.
 *
 * The same runs again with immediate routes switched on along the topology's edges (an engine process
 * pushing every change as it is committed, beside the random passes).
 *
 * E2E_RUNS=n runs n histories per topology (default 1; 3 in `npm run test:soak`); E2E_RUNS=200 for a long soak.
 */
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed, childText, parseXml, type XmlElement } from '../../src/atom/xml';
import { etagOf } from '../../src/store/versions';
import { SDataClient } from '../../src/engine/sdataClient';
import { runPass } from '../../src/engine/pass';
import { APPS } from './support/fixtures';
import { databaseEnv, startServe, tempDir, writeYaml, type ServerProcess } from './support/processes';
import { startEngineProcess, type EngineProcess } from './support/engine';
import { create, digestOf, readAll, remove, update, valuesByUuid, type StoredResource } from './support/sdata';

jest.setTimeout(600_000);

const RUNS = Number(process.env.E2E_RUNS ?? 1);
const NAMES = ['crm', 'erp', 'web'] as const;

type Op =
  | { type: 'create'; at: number }
  | { type: 'update'; at: number; pick: number }
  | { type: 'delete'; at: number; pick: number }
  | { type: 'pass'; edge: number; reverse: boolean; cutAfter: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('create' as const), at: fc.nat(2) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('update' as const), at: fc.nat(2), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), at: fc.nat(2), pick: fc.nat(50) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('pass' as const), edge: fc.nat(2), reverse: fc.boolean(), cutAfter: fc.oneof(fc.constant(0), fc.constant(0), fc.nat({ max: 2 })) }) },
);

const TOPOLOGIES: Record<string, [number, number][]> = {
  chain: [
    [0, 1],
    [1, 2],
  ],
  triangle: [
    [0, 1],
    [1, 2],
    [0, 2],
  ],
};

describe('[pglite] random histories converge (chain and triangle)', () => {
  const servers: ServerProcess[] = [];
  let endpoints: string[] = [];
  const dir = tempDir();

  beforeAll(async () => {
    const web = { ...structuredClone(APPS.crm), name: 'web', conflictPriority: 3 };
    const apps = [APPS.crm, APPS.erp, web];
    for (const [i, app] of apps.entries()) {
      const cfg = writeYaml(dir, `${NAMES[i]}.yaml`, { log: { level: 'warn' }, sync: { answerWithinMillis: 50 }, applications: [app] });
      servers.push(await startServe(cfg, await databaseEnv('pglite', dir, NAMES[i], { persistent: false })));
    }
    endpoints = servers.map((s, i) => `${s.url}/sdata/${NAMES[i]}/test/-/accounts`);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.proc.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  let runNo = 0;
  let writeNo = 0;
  /** ETag of each version written -> ETag of the version it replaced (undefined for a create). */
  const parentOf = new Map<string, string | undefined>();

  const ancestorsOf = (etag: string): Set<string> => {
    const out = new Set<string>();
    for (let p = parentOf.get(etag); p !== undefined && !out.has(p); p = parentOf.get(p)) out.add(p);
    return out;
  };

  async function pass(from: number, to: number, cutAfter?: number): Promise<number> {
    const client = new SDataClient({ run: { runName: `property ${runNo}`, runStamp: new Date().toISOString() }, retry: { attempts: 3, startingDelayMillis: 10, maxDelayMillis: 50 } });
    const s = await runPass({ source: endpoints[from], target: endpoints[to], client, pageSize: 2, stopAfterPages: cutAfter || undefined });
    expect(s.failures).toBe(0);
    return s.entries;
  }

  async function write(op: Exclude<Op, { type: 'pass' }>): Promise<void> {
    const ep = endpoints[op.at];
    const name = `w${++writeNo}`;
    const written = (etag: string, parent?: string) => {
      expect(etag).not.toBe('');
      parentOf.set(etag, parent);
    };
    if (op.type === 'create') {
      written(await create(ep, 'account', { name, email: `${name}@example.test` }));
      return;
    }
    const live: StoredResource[] = await readAll(ep);
    if (live.length === 0) return;
    const target = live[op.pick % live.length];
    if (op.type === 'update') {
      written(await update(ep, target.key, 'account', { name, email: `${name}@example.test` }), target.etag);
    } else {
      await remove(ep, target.key);
    }
  }

  async function settle(edges: [number, number][]): Promise<void> {
    for (let round = 1; round <= 25; round++) {
      let moved = 0;
      for (const [a, b] of edges) moved += (await pass(a, b)) + (await pass(b, a));
      if (moved === 0 && (await digestsAgree())) return;
    }
    throw new Error('passes did not settle within 25 rounds');
  }

  /** A digest as ticks by endpoint; an entry at tick 1 says no more than an absent one (ticks start at 1). */
  async function digestTicks(ep: string): Promise<Record<string, number>> {
    const d = await digestOf(ep);
    return Object.fromEntries(d.entries.filter((e) => e.tick > 1).map((e) => [e.endpoint, e.tick] as const).sort(([a], [b]) => a.localeCompare(b)));
  }

  async function digestsAgree(): Promise<boolean> {
    const all = await Promise.all(endpoints.map(digestTicks));
    return all.every((d) => JSON.stringify(d) === JSON.stringify(all[0]));
  }

  /** [winner, loser] ETags of the conflicts parked at an endpoint during this run. */
  async function conflictPairs(ep: string): Promise<[string, string][]> {
    const res = await fetch(`${ep}/$conflicts?count=1000`);
    const feed = parseXml(await res.text());
    const etagIn = (version: XmlElement | undefined) => {
      const state = child(version, NS.sync, 'syncState');
      return etagOf({ endpoint: childText(state, NS.sync, 'endpoint') ?? '', tick: Number(childText(state, NS.sync, 'tick')) });
    };
    return childrenNamed(feed, NS.atom, 'entry')
      .map((e) => child(e, NS.x, 'conflict'))
      .filter((c) => childText(c, NS.x, 'runName') === `property ${runNo}`)
      .map((c) => [etagIn(child(c, NS.x, 'winnerVersion')), etagIn(child(c, NS.x, 'loserVersion'))]);
  }

  for (const [topology, edges, immediate] of Object.entries(TOPOLOGIES).flatMap(([t, e]) => [[t, e, false] as const, [t, e, true] as const])) {
    it(`${topology}${immediate ? ' with immediate routes' : ''}: same data, same digests, no conflict with an ancestor`, async () => {
      let engine: EngineProcess | undefined;
      if (immediate) {
        engine = await startEngineProcess(dir, {
          watch: { retryMillis: 100 },
          routes: edges.map(([a, b]) => ({ name: `${NAMES[a]}-${NAMES[b]}`, source: endpoints[a], target: endpoints[b], direction: 'bothWays', mode: 'immediate', schedule: '0 0 * * * *' })),
        }, `engine-${topology}`);
      }
      try {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 18 }), async (ops) => {
          runNo += 1;
          for (const op of ops) {
            if (op.type === 'pass') {
              const [a, b] = edges[op.edge % edges.length];
              await (op.reverse ? pass(b, a, op.cutAfter) : pass(a, b, op.cutAfter));
            } else {
              await write(op);
            }
          }
          await settle(edges);

          const data = await Promise.all(endpoints.map(valuesByUuid));
          for (const d of data.slice(1)) expect(Object.fromEntries(d)).toEqual(Object.fromEntries(data[0]));
          const digests = await Promise.all(endpoints.map(digestTicks));
          for (const d of digests.slice(1)) expect(d).toEqual(digests[0]);

          const related: unknown[] = [];
          for (const ep of endpoints) {
            for (const [winner, loser] of await conflictPairs(ep)) {
              if (!parentOf.has(winner) || !parentOf.has(loser)) continue; // a version this test did not write
              if (winner === loser || ancestorsOf(winner).has(loser) || ancestorsOf(loser).has(winner)) related.push({ ep, winner, loser });
            }
          }
          expect(related).toEqual([]);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      } finally {
        await engine?.stop();
      }
    });
  }
});
