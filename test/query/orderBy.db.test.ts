/**
 * `orderBy` with paging (core 6.3): following the next links from the first page gives every resource that
 * existed before the walk exactly once, in the requested order (ties in creation order), for several orders,
 * while resources are created between pages (sorting before, among and after the pages already read).
 */
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, xmlOf, type TestApp } from '../endpoint/support/app';
import { entriesOf, linksOf, payloadOf, sdataAttr } from '../endpoint/support/xmlBodies';
import { createResources } from '../../src/store/resources';
import { byBoolean, byNumber, cmpText, dec, fixedData, loadData, ORDERS, type Order } from './support/orders';

const path = (url: string) => url.replace('http://sdata.test', '');

type Field = 'number' | 'quantity' | 'total' | 'paid' | 'placedOn' | 'placedAt';
const compareValues = (f: Field, a: Order, b: Order): number => {
  const x = a[f];
  const y = b[f];
  const xNull = x === null || x === undefined;
  const yNull = y === null || y === undefined;
  if (xNull || yNull) return Number(xNull) - Number(yNull); // null is the largest value
  if (f === 'quantity' || f === 'total') return byNumber(dec(x as string)!, dec(y as string)!);
  if (f === 'paid') return byBoolean(x as boolean, y as boolean);
  return cmpText(x as string, y as string);
};

/** The order an `orderBy` text asks for, ties in creation order. */
function comparator(orderBy: string, created: Map<string, number>) {
  const keys = orderBy.split(',').map((s) => s.trim().split(/\s+/) as [Field, string?]);
  return (a: Order, b: Order) => {
    for (const [f, dir] of keys) {
      const c = compareValues(f, a, b);
      if (c !== 0) return dir === 'desc' ? -c : c;
    }
    return created.get(a.key!)! - created.get(b.key!)!;
  };
}

const ORDERS_TO_TRY = ['total desc,number', 'quantity,placedOn desc', 'paid desc,total asc', 'number', 'placedAt desc,quantity desc', 'placedOn,paid,quantity desc,total'];

describeEachDatabase('orderBy with paging', (tdb) => {
  let t: TestApp;
  const data = fixedData();
  const byKey = new Map<string, Order>();
  const created = new Map<string, number>();
  let inserted = 0;

  beforeAll(async () => {
    t = await openTestApp(tdb);
    await loadData(t, data);
    data.orders.forEach((o, i) => {
      byKey.set(o.key!, o);
      created.set(o.key!, i);
    });
  });

  /** Creates three orders: one sorting first, one last, one somewhere in the middle, for any order asked. */
  async function insertBetweenPages(): Promise<void> {
    const n = inserted++;
    const fresh: Order[] = [
      { number: '', quantity: -100, total: '-1000.00', paid: true, placedOn: '1999-01-01', placedAt: '1999-01-01T00:00:00.000Z' },
      { number: `N${n}x` },
      { number: `N5${n}`, quantity: 5, total: '500.00', paid: false, placedOn: '2024-02-10', placedAt: '2024-02-02T10:00:00.000Z' },
    ];
    const id = t.endpointId(ORDERS);
    const made = await t.db.transaction((trx) => createResources(trx, { id, url: ORDERS, keys: { style: 'numeric' } }, fresh.map(({ number, ...rest }) => ({ values: { number, ...rest } }))));
    made.forEach((r, i) => {
      fresh[i].key = r.key;
      byKey.set(r.key, fresh[i]);
      created.set(r.key, created.size);
    });
  }

  it.each(ORDERS_TO_TRY)('orderBy=%s: every page in order, each resource once', async (orderBy) => {
    const before = [...byKey.values()];
    const seen: string[] = [];
    let url: string | undefined = `${path(ORDERS)}?orderBy=${encodeURIComponent(orderBy)}&count=17`;
    let pages = 0;
    while (url) {
      const res = await asText(t.http().get(url)).expect(200);
      const feed = xmlOf(res);
      seen.push(...entriesOf(feed).map((e) => sdataAttr(payloadOf(e), 'key')!));
      await insertBetweenPages();
      const next = linksOf(feed).next;
      url = next ? path(next) : undefined;
      if (++pages > 100) throw new Error('the walk does not end');
    }
    expect(new Set(seen).size).toBe(seen.length);
    const expectedBefore = [...before].sort(comparator(orderBy, created)).map((o) => o.key);
    expect(seen.filter((k) => before.includes(byKey.get(k)!))).toEqual(expectedBefore);
    const order = comparator(orderBy, created);
    const walked = seen.map((k) => byKey.get(k)!);
    expect(walked.every((o, i) => i === 0 || order(walked[i - 1], o) < 0)).toBe(true);
  });

  it('orderBy without paging gives the same order as the in-memory sort, where and select kept by the links', async () => {
    const res = await asText(t.http().get(path(ORDERS)).query({ orderBy: 'total desc', where: 'quantity gt 3', select: 'number,total', count: '5' })).expect(200);
    const next = new URL(linksOf(xmlOf(res)).next);
    expect(Object.fromEntries(next.searchParams)).toMatchObject({ orderBy: 'total desc', where: 'quantity gt 3', select: 'number,total', startIndex: '6', count: '5' });
    expect(next.searchParams.get('after')).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
