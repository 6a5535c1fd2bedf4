/**
 * Property: partition membership evaluated in memory (src/protocol/partitions.ts#holds, the rule of
 * partitionOf) agrees with the SQL the query layer makes of the same expression: for random partition-like
 * expressions (comparisons, and/or/not, in, between, like, null tests; no arithmetic, as partitions allow)
 * over random orders, the resources the kind URL's `?where=` answers are exactly those the rule holds for.
 */
import fc from 'fast-check';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, xmlOf, type TestApp } from '../endpoint/support/app';
import { entriesOf, payloadOf, sdataAttr } from '../endpoint/support/xmlBodies';
import { loadData, ORDERS, type Order } from '../query/support/orders';
import { holds } from '../../src/protocol/partitions';
import { checkWhere } from '../../src/query/check';
import { parseWhere } from '../../src/query/parser';
import { kindQuerySchema } from '../../src/query/kindSchema';

const NUMBERS = ['N1', 'N2', "N'3", 'n1', 'N10', 'Ünal', '', 'N_1', '100%', '\u{1F600}', '\uFFFD'];
const DATES = ['2024-01-05', '2024-02-01', '2024-02-15', '2024-03-10'];
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const op = fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge');
const decimal = fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 99 })).map(([w, f]) => `${w < 0 ? '-' : ''}${Math.abs(w)}.${String(f).padStart(2, '0')}`);
const positiveDecimal = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 99 })).map(([w, f]) => `${w}.${String(f).padStart(2, '0')}`);
const numberOperand = fc.oneof(fc.constantFrom('quantity', 'total', '(- quantity)'), fc.integer({ min: -12, max: 12 }).map(String), decimal);

const leaf: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(numberOperand, op, numberOperand).map(([a, o, b]) => `(${a} ${o} ${b})`),
  fc.tuple(op, fc.constantFrom(...NUMBERS)).map(([o, s]) => `(number ${o} ${quote(s)})`),
  fc.tuple(op, fc.constantFrom(...DATES)).map(([o, d]) => `(placedOn ${o} @${d}@)`),
  fc.tuple(fc.constantFrom('eq', 'ne'), fc.boolean()).map(([o, b]) => `(paid ${o} ${b})`),
  fc.constant('paid'),
  fc.tuple(fc.constantFrom('quantity', 'total', 'paid', 'placedOn', 'number'), fc.constantFrom('eq', 'ne')).map(([p, o]) => `(${p} ${o} null)`),
  fc.tuple(numberOperand, numberOperand, numberOperand).map(([a, lo, hi]) => `(${a} between ${lo} and ${hi})`),
  fc.tuple(fc.constantFrom('quantity', 'total'), fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 12 }).map(String), positiveDecimal), { minLength: 1, maxLength: 4 })).map(([a, items]) => `(${a} in (${items.join(', ')}))`),
  fc.tuple(fc.constantFrom(...NUMBERS), fc.uniqueArray(fc.constantFrom(...NUMBERS), { minLength: 1, maxLength: 3 })).map(([, items]) => `(number in (${items.map(quote).join(', ')}))`),
  fc.constantFrom('N%', '%1', 'N_', "%'%", '_', '%', 'n%', '100\\%', '_\u{1F600}%').map((p) => `(number like ${quote(p)})`),
);

const condition: fc.Arbitrary<string> = fc.letrec<{ cond: string }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('cond').map((c) => `(not ${c})`),
    fc.tuple(tie('cond'), fc.constantFrom('and', 'or'), tie('cond')).map(([a, o, b]) => `(${a} ${o} ${b})`),
  ),
})).cond;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(null), fc.constant(undefined));
const orderArb: fc.Arbitrary<Order> = fc.record({
  number: fc.constantFrom(...NUMBERS),
  quantity: maybe(fc.integer({ min: -5, max: 12 })),
  total: maybe(decimal),
  paid: maybe(fc.boolean()),
  placedOn: maybe(fc.constantFrom(...DATES, '2024-02-29', '2023-12-31')),
});

describeEachDatabase('partition membership agrees with the SQL of where', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it('for random expressions over random data', async () => {
    const app = t.runtime.cfg.applications.find((a) => a.name === 'crm')!;
    const schema = kindQuerySchema(app, app.kinds.find((k) => k.name === 'orders')!);
    await fc.assert(
      fc.asyncProperty(fc.array(orderArb, { minLength: 1, maxLength: 30 }), fc.array(condition, { minLength: 1, maxLength: 6 }), async (orders, conds) => {
        await t.db('resources').where({ endpoint_id: t.endpointId(ORDERS) }).delete();
        await loadData(t, { accounts: [], orders: orders.map((o) => ({ ...o })) });
        // The values as stored, which membership reads.
        const stored: { local_key: string; payload: Record<string, unknown> }[] = await t.db('resources').where({ endpoint_id: t.endpointId(ORDERS) }).select('local_key', 'payload');
        for (const text of conds) {
          const res = await asText(t.http().get(new URL(ORDERS).pathname).query({ where: text, count: '500' }));
          expect(res.status).toBe(200);
          const bySql = entriesOf(xmlOf(res)).map((e) => sdataAttr(payloadOf(e), 'key')).sort();
          const cond = checkWhere(parseWhere(text), schema);
          const byRule = stored.filter((r) => holds(cond, r.payload as never)).map((r) => r.local_key).sort();
          expect({ where: text, keys: byRule }).toEqual({ where: text, keys: bySql });
        }
      }),
      { numRuns: 40 },
    );
  });
});
