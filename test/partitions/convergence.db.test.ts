/**
 * Property: routes between partitions and unpartitioned endpoints converge. Random creates and country
 * changes (moves) at the head office (kind URL) and at both subsidiaries' ERPs, concurrent edits included,
 * with passes in random order; once passes move nothing more, the French ERP holds exactly HQ's French
 * partition (same UUIDs, same values) and the German ERP exactly the German one, and no UUID is live in
 * two partitions.
 */
import fc from 'fast-check';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, type TestApp } from '../endpoint/support/app';
import { pathOf, syncByHand, syncUntilQuiet } from '../support/syncByHand';
import { accountEntry, ERP_DE, ERP_FR, HQ, HQ_DE, HQ_FR, partitionConfig } from './support';

const ATOM_ENTRY = 'application/atom+xml;type=entry';
const WRITERS = { HQ, FR: ERP_FR, DE: ERP_DE } as const;
const ROUTES: [string, string][] = [
  [HQ_FR, ERP_FR],
  [ERP_FR, HQ_FR],
  [HQ_DE, ERP_DE],
  [ERP_DE, HQ_DE],
];

type Op =
  | { k: 'create'; at: keyof typeof WRITERS; country: 'FR' | 'DE' }
  | { k: 'update'; at: keyof typeof WRITERS; pick: number; country: 'FR' | 'DE' }
  | { k: 'pass'; route: number };

const at = fc.constantFrom<keyof typeof WRITERS>('HQ', 'FR', 'DE');
const country = fc.constantFrom<'FR' | 'DE'>('FR', 'DE');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('create' as const), at, country }),
  fc.record({ k: fc.constant('update' as const), at, pick: fc.nat(20), country }),
  fc.record({ k: fc.constant('pass' as const), route: fc.nat(ROUTES.length - 1) }),
);

describeEachDatabase('partitions converge with unpartitioned endpoints', (tdb) => {
  it('for random moves and edits at every end, passes in any order', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const t: TestApp = await openTestApp(tdb, partitionConfig());
        const live = async (url: string) =>
          (await t.db('resources').where({ endpoint_id: t.endpointId(url), deleted: false }).select('uuid', 'local_key', 'payload')) as { uuid: string; local_key: string; payload: Record<string, unknown> }[];
        const liveAtWriter = async (w: keyof typeof WRITERS) => (w === 'HQ' ? [...(await live(HQ_FR)), ...(await live(HQ_DE))] : live(WRITERS[w]));
        for (const [i, o] of ops.entries()) {
          if (o.k === 'pass') {
            await syncByHand(t.app, ...ROUTES[o.route]);
          } else if (o.k === 'create') {
            const res = await asText(t.http().post(pathOf(WRITERS[o.at])).set('Content-Type', ATOM_ENTRY).send(accountEntry({ name: `n${run}-${i}`, country: o.country })));
            expect(res.status).toBe(201);
          } else {
            const rows = (await liveAtWriter(o.at)).sort((a, b) => a.local_key.localeCompare(b.local_key));
            if (rows.length === 0) continue;
            const row = rows[o.pick % rows.length];
            const res = await asText(t.http().put(pathOf(`${WRITERS[o.at]}('${row.local_key}')`)).set('Content-Type', ATOM_ENTRY).send(accountEntry({ name: `u${run}-${i}`, country: o.country })));
            expect(res.status).toBe(200);
          }
        }
        run += 1;
        await syncUntilQuiet(t.app, [], ROUTES);
        const view = (rows: { uuid: string; payload: Record<string, unknown> }[]) => rows.map((r) => [r.uuid, r.payload.name, r.payload.country]).sort();
        const fr = await live(HQ_FR);
        const de = await live(HQ_DE);
        expect(fr.every((r) => r.payload.country === 'FR') && de.every((r) => r.payload.country === 'DE')).toBe(true);
        expect(fr.filter((r) => de.some((d) => d.uuid === r.uuid))).toEqual([]);
        expect(view(await live(ERP_FR))).toEqual(view(fr));
        expect(view(await live(ERP_DE))).toEqual(view(de));
      }),
      { numRuns: 12 },
    );
  }, 180_000);
});
