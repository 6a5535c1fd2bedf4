/**
 * Property: for random `where` expressions over random orders, the answer of the SQL translation (over
 * HTTP) equals the expression evaluated here, in memory, under the semantics README states (null and
 * missing make a comparison false, `not` negates, arithmetic with null or by zero is null, numbers exact).
 */
import fc from 'fast-check';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, xmlOf, type TestApp } from '../endpoint/support/app';
import { entriesOf, payloadOf, sdataAttr } from '../endpoint/support/xmlBodies';
import { byNumber, cmp, cmpText, dec, like, loadData, ORDERS, type Order } from './support/orders';

const path = (url: string) => url.replace('http://sdata.test', '');

/** A generated piece of query: its text and its in-memory value for an order. */
interface Gen<V> {
  text: string;
  eval: (o: Order) => V;
}
type Num = Gen<bigint | null>;
type Cond = Gen<boolean>;

const SCALE = 10000n;
const OPS = { eq: (c: number) => c === 0, ne: (c: number) => c !== 0, lt: (c: number) => c < 0, le: (c: number) => c <= 0, gt: (c: number) => c > 0, ge: (c: number) => c >= 0 };
const opArb = fc.constantFrom(...(Object.keys(OPS) as (keyof typeof OPS)[]));
const NUMBERS = ['N1', 'N2', "N'3", 'n1', 'N10', 'Ünal', '', 'N_1', '100%'];
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const DATES = ['2024-01-05', '2024-02-01', '2024-02-15', '2024-03-10'];

const numLeaf: fc.Arbitrary<Num> = fc.oneof(
  fc.constant<Num>({ text: 'quantity', eval: (o) => dec(o.quantity) }),
  fc.constant<Num>({ text: 'total', eval: (o) => dec(o.total) }),
  fc.integer({ min: -20, max: 20 }).map<Num>((n) => ({ text: String(n), eval: () => BigInt(n) * SCALE })),
  fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 99 })).map<Num>(([w, f]) => {
    const text = `${w}.${String(f).padStart(2, '0')}`;
    return { text, eval: () => dec(text) };
  }),
);

const numArb: fc.Arbitrary<Num> = fc.letrec<{ num: Num }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numLeaf,
    tie('num').map<Num>((a) => ({ text: `(- ${a.text})`, eval: (o) => (a.eval(o) === null ? null : -a.eval(o)!) })),
    fc.tuple(tie('num'), fc.constantFrom('+', '-'), tie('num')).map<Num>(([a, op, b]) => ({
      text: `(${a.text} ${op} ${b.text})`,
      eval: (o) => {
        const x = a.eval(o);
        const y = b.eval(o);
        return x === null || y === null ? null : op === '+' ? x + y : x - y;
      },
    })),
    fc.tuple(tie('num'), fc.integer({ min: -3, max: 3 })).map<Num>(([a, k]) => ({ text: `(${a.text} mul ${k})`, eval: (o) => (a.eval(o) === null ? null : a.eval(o)! * BigInt(k)) })),
    fc.tuple(tie('num'), fc.integer({ min: 0, max: 4 })).map<Num>(([a, k]) => ({
      text: `(${a.text} mod ${k})`,
      eval: (o) => (a.eval(o) === null || k === 0 ? null : a.eval(o)! % (BigInt(k) * SCALE)),
    })),
  ),
})).num;

const leafCond: fc.Arbitrary<Cond> = fc.oneof(
  fc.tuple(numArb, opArb, numArb).map<Cond>(([a, op, b]) => ({ text: `(${a.text} ${op} ${b.text})`, eval: (o) => cmp(a.eval(o), b.eval(o), OPS[op], byNumber) })),
  fc.tuple(opArb, fc.constantFrom(...NUMBERS)).map<Cond>(([op, s]) => ({ text: `(number ${op} ${quote(s)})`, eval: (o) => cmp(o.number, s, OPS[op], cmpText) })),
  fc.tuple(opArb, fc.constantFrom(...DATES)).map<Cond>(([op, d]) => ({ text: `(placedOn ${op} @${d}@)`, eval: (o) => cmp(o.placedOn, d, OPS[op], cmpText) })),
  fc.tuple(fc.constantFrom('eq', 'ne'), fc.boolean()).map<Cond>(([op, b]) => ({
    text: `(paid ${op} ${b})`,
    eval: (o) => o.paid !== null && o.paid !== undefined && (op === 'eq' ? o.paid === b : o.paid !== b),
  })),
  fc.constant<Cond>({ text: 'paid', eval: (o) => o.paid === true }),
  fc.tuple(fc.constantFrom('quantity', 'total', 'paid', 'placedOn', 'number'), fc.constantFrom('eq', 'ne')).map<Cond>(([p, op]) => ({
    text: `(${p} ${op} null)`,
    eval: (o) => {
      const v = (o as unknown as Record<string, unknown>)[p];
      const isNull = v === null || v === undefined;
      return op === 'eq' ? isNull : !isNull;
    },
  })),
  fc.tuple(numArb, numArb, numArb).map<Cond>(([a, lo, hi]) => ({
    text: `(${a.text} between ${lo.text} and ${hi.text})`,
    eval: (o) => cmp(a.eval(o), lo.eval(o), OPS.ge, byNumber) && cmp(a.eval(o), hi.eval(o), OPS.le, byNumber),
  })),
  fc.tuple(numArb, fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 })).map<Cond>(([a, items]) => ({
    text: `(${a.text} in (${items.join(', ')}))`,
    eval: (o) => items.some((i) => cmp(a.eval(o), BigInt(i) * SCALE, OPS.eq, byNumber)),
  })),
  fc.constantFrom('N%', '%1', 'N_', "%'%", '_', '%', 'n%', '100\\%').map<Cond>((p) => ({ text: `(number like ${quote(p)})`, eval: (o) => like(o.number, p) })),
);

const condArb: fc.Arbitrary<Cond> = fc.letrec<{ cond: Cond }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafCond,
    tie('cond').map<Cond>((c) => ({ text: `(not ${c.text})`, eval: (o) => !c.eval(o) })),
    fc.tuple(tie('cond'), fc.constantFrom('and', 'or'), tie('cond')).map<Cond>(([a, op, b]) => ({
      text: `(${a.text} ${op} ${b.text})`,
      eval: (o) => (op === 'and' ? a.eval(o) && b.eval(o) : a.eval(o) || b.eval(o)),
    })),
  ),
})).cond;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(null), fc.constant(undefined));
const orderArb: fc.Arbitrary<Order> = fc.record({
  number: fc.constantFrom(...NUMBERS),
  quantity: maybe(fc.integer({ min: -5, max: 12 })),
  total: maybe(fc.tuple(fc.integer({ min: -100, max: 999 }), fc.integer({ min: 0, max: 99 })).map(([w, f]) => `${w}.${String(f).padStart(2, '0')}`)),
  paid: maybe(fc.boolean()),
  placedOn: maybe(fc.constantFrom(...DATES, '2024-02-29', '2023-12-31')),
});

describeEachDatabase('where: SQL answers equal the in-memory evaluation', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it('for random expressions over random data', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(orderArb, { minLength: 1, maxLength: 40 }), fc.array(condArb, { minLength: 1, maxLength: 8 }), async (orders, conds) => {
        await t.db('resources').where({ endpoint_id: t.endpointId(ORDERS) }).delete();
        const data = { accounts: [], orders: orders.map((o) => ({ ...o })) };
        await loadData(t, data);
        for (const c of conds) {
          const res = await asText(t.http().get(path(ORDERS)).query({ where: c.text, count: '500' }));
          expect(res.status).toBe(200);
          const keys = entriesOf(xmlOf(res)).map((e) => sdataAttr(payloadOf(e), 'key'));
          expect({ where: c.text, keys }).toEqual({ where: c.text, keys: data.orders.filter((o) => c.eval(o)).map((o) => o.key) });
        }
      }),
      { numRuns: 40 },
    );
  });
});
