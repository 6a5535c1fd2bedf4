/**
 * `where` over HTTP (core 2.12) against a fixed data set of 300 resources: each expression's answer is
 * compared with the same filter computed here (test/query/support/orders.ts), and totals stay exact.
 * Injection attempts answer either the correct filtered set or a 400, and change nothing.
 */
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from '../endpoint/support/app';
import { diagnosisCodes, diagnosisField, entriesOf, opensearch, payloadOf, sdataAttr } from '../endpoint/support/xmlBodies';
import { accountOf, byBoolean, byNumber, cmp, cmpText, dec, fixedData, like, loadData, ORDERS, type Account, type Order } from './support/orders';

const path = (url: string) => url.replace('http://sdata.test', '');
const data = fixedData();
const A = data.accounts;

const eq = (c: number) => c === 0;
const lt = (c: number) => c < 0;
const gt = (c: number) => c > 0;
const ge = (c: number) => c >= 0;
const le = (c: number) => c <= 0;
const num = (a: bigint | null, b: string | number, test: (c: number) => boolean) => cmp(a, dec(b), test, byNumber);
const txt = (a: string | null | undefined, b: string, test: (c: number) => boolean) => cmp(a, b, test, cmpText);
const present = (v: unknown) => v !== null && v !== undefined;
const q = (o: Order) => dec(o.quantity);
const tot = (o: Order) => dec(o.total);
const acc = (o: Order): Account | undefined => accountOf(o, A);
/** Values the data set holds, for equality cases that should match something. */
const SOME_TOTAL = data.orders.find((o) => o.total)!.total!;
const [REF_A, REF_B] = [...new Set(data.orders.map((o) => o.account).filter((i): i is number => typeof i === 'number' && i >= 0))];

/** [where, the same filter over an order]; uuids are filled in after loading, so some cases are functions. */
const CASES: [string | (() => string), (o: Order) => boolean][] = [
  // comparisons on every type
  ['quantity eq 5', (o) => num(q(o), 5, eq)],
  ['quantity ne 5', (o) => num(q(o), 5, (c) => c !== 0)],
  ['quantity lt 3', (o) => num(q(o), 3, lt)],
  ['quantity le 3', (o) => num(q(o), 3, le)],
  ['quantity gt 9', (o) => num(q(o), 9, gt)],
  ['quantity ge 9', (o) => num(q(o), 9, ge)],
  ['total gt 500.5', (o) => num(tot(o), '500.5', gt)],
  ['total le 10', (o) => num(tot(o), 10, le)],
  ["number eq 'N1'", (o) => o.number === 'N1'],
  ["number eq 'N''17'", (o) => o.number === "N'17"],
  ['number eq "N\'34"', (o) => o.number === "N'34"],
  ["number gt 'N5'", (o) => txt(o.number, 'N5', gt)],
  ["number lt 'N1'", (o) => txt(o.number, 'N1', lt)],
  ['paid eq true', (o) => o.paid === true],
  ['paid eq false', (o) => o.paid === false],
  ['paid ne true', (o) => o.paid === false],
  ['paid', (o) => o.paid === true],
  ['not paid', (o) => o.paid !== true],
  ['placedOn ge @2024-03-01@', (o) => txt(o.placedOn, '2024-03-01', ge)],
  ['placedOn lt @2024-01-15@', (o) => txt(o.placedOn, '2024-01-15', lt)],
  ['placedAt lt @2024-02-02T12:00:00Z@', (o) => txt(o.placedAt, '2024-02-02T12:00:00.000Z', lt)],
  ['placedAt ge @2024-02-02T14:30:00+02:00@', (o) => txt(o.placedAt, '2024-02-02T12:30:00.000Z', ge)],
  ['placedAt ge @2024-02-03@', (o) => txt(o.placedAt, '2024-02-03T00:00:00.000Z', ge)],
  // null and missing
  ['quantity eq null', (o) => !present(o.quantity)],
  ['quantity ne null', (o) => present(o.quantity)],
  ['null eq total', (o) => !present(o.total)],
  ['not (quantity gt 5)', (o) => !num(q(o), 5, gt)],
  ['not (quantity ne 5)', (o) => !num(q(o), 5, (c) => c !== 0)],
  // between, in, like
  ['quantity between 3 and 6', (o) => num(q(o), 3, ge) && num(q(o), 6, le)],
  ['placedOn between @2024-01-10@ and @2024-02-20@', (o) => txt(o.placedOn, '2024-01-10', ge) && txt(o.placedOn, '2024-02-20', le)],
  ["number between 'N2' and 'N3'", (o) => txt(o.number, 'N2', ge) && txt(o.number, 'N3', le)],
  ['quantity in (1, 3, 5)', (o) => [1, 3, 5].some((v) => num(q(o), v, eq))],
  ["number in ('N1', 'N2', 'N''17')", (o) => ['N1', 'N2', "N'17"].includes(o.number)],
  ["number like 'N1%'", (o) => like(o.number, 'N1%')],
  ["number like 'N_5'", (o) => like(o.number, 'N_5')],
  ["number like '%''%'", (o) => like(o.number, "%'%")],
  // arithmetic and its precedence
  ['quantity mul 2 + 1 gt 15', (o) => present(o.quantity) && o.quantity! * 2 + 1 > 15],
  ['quantity - 2 mul 3 lt 0', (o) => present(o.quantity) && o.quantity! - 6 < 0],
  ['(quantity - 2) mul 3 lt 0', (o) => present(o.quantity) && (o.quantity! - 2) * 3 < 0],
  ['quantity mod 3 eq 1', (o) => present(o.quantity) && o.quantity! % 3 === 1],
  ['quantity div 4 ge 2', (o) => present(o.quantity) && o.quantity! / 4 >= 2],
  ['quantity div 0 eq 1 or quantity mod 0 eq 0', () => false],
  ['- quantity lt -9', (o) => present(o.quantity) && -o.quantity! < -9],
  ['total - quantity gt 400', (o) => present(o.total) && present(o.quantity) && dec(o.total)! - dec(o.quantity)! > dec(400)!],
  [`total + 0.25 eq ${(Number(dec(SOME_TOTAL)! + 2500n) / 10000).toFixed(2)}`, (o) => present(o.total) && dec(o.total)! + 2500n === dec(SOME_TOTAL)! + 2500n],
  // logical precedence and parentheses
  ['quantity eq 1 or quantity eq 2 and paid eq true', (o) => num(q(o), 1, eq) || (num(q(o), 2, eq) && o.paid === true)],
  ['(quantity eq 1 or quantity eq 2) and paid eq true', (o) => (num(q(o), 1, eq) || num(q(o), 2, eq)) && o.paid === true],
  ['quantity GT 5 AND Paid EQ true'.replace('Paid', 'paid'), (o) => num(q(o), 5, gt) && o.paid === true],
  ['not paid and quantity lt 2 or total gt 990', (o) => (o.paid !== true && num(q(o), 2, lt)) || num(tot(o), 990, gt)],
  ['1 eq 1 or 1 eq 2 and 1 eq 3', () => true],
  ['(1 eq 1 or 1 eq 2) and 1 eq 3', () => false],
  ['2 mul 5 + 3 mul 2 eq 16 and 2 mul (5 + 3) mul 2 eq 32', () => true],
  // references
  [`account.name eq '${A[REF_A].name.replace(/'/g, "''")}'`, (o) => acc(o)?.name === A[REF_A].name],
  ["account.name like 'O''Brien%'", (o) => like(acc(o)?.name, "O'Brien%")],
  ['account.balance gt 100', (o) => num(dec(acc(o)?.balance), 100, gt)],
  ['account.active', (o) => acc(o)?.active === true],
  ['not account.active', (o) => acc(o)?.active !== true],
  ['account eq null', (o) => !present(o.account)],
  ['account ne null', (o) => present(o.account)],
  [() => `account eq '${A[REF_A].uuid!.toUpperCase()}'`, (o) => o.account === REF_A],
  [() => `account in ('${A[REF_A].uuid}', '${A[REF_B].uuid}')`, (o) => o.account === REF_A || o.account === REF_B],
  [() => `account.$key eq '${A[REF_B].key}'`, (o) => o.account === REF_B],
  ['account.$uuid eq null', (o) => acc(o) === undefined],
  // protocol variables
  [() => `$key eq '${data.orders[10].key}'`, (o) => o === data.orders[10]],
  [() => `$uuid eq '${data.orders[11].uuid}'`, (o) => o === data.orders[11]],
  ["$key in ('1', '2', '300')", (o) => ['1', '2', '300'].includes(o.key!)],
  // Non-ASCII text
  ["account.name ge 'É' and account.name lt 'ü'", (o) => txt(acc(o)?.name, 'É', ge) && txt(acc(o)?.name, 'ü', lt)],
  ['paid eq true eq false', (o) => o.paid !== true],
  ['paid eq (quantity gt 5)', (o) => present(o.paid) && cmp(o.paid, num(q(o), 5, gt), eq, byBoolean)],
];

describeEachDatabase('where over HTTP', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb);
    await loadData(t, data);
  });

  async function keysOf(where: string): Promise<{ keys: string[]; total: number }> {
    const res = await asText(t.http().get(path(ORDERS)).query({ where, count: '500' }));
    if (res.status !== 200) throw new Error(`${where}: ${res.status} ${res.body as string}`);
    const feed = xmlOf(res);
    return { keys: entriesOf(feed).map((e) => sdataAttr(payloadOf(e), 'key')!), total: opensearch(feed, 'totalResults') };
  }

  it.each(CASES.map(([w, f]) => [typeof w === 'string' ? w : w.toString().replace(/^\(\) => /, ''), w, f] as const))('%s', async (_title, where, filter) => {
    const text = typeof where === 'string' ? where : where();
    const expected = data.orders.filter(filter).map((o) => o.key!);
    const { keys, total } = await keysOf(text);
    expect(keys).toEqual(expected);
    expect(total).toBe(expected.length);
  });

  it('the data set is large and every case but the constant ones selects some resources and leaves some out', () => {
    expect(data.orders.length + data.accounts.length).toBeGreaterThanOrEqual(300);
    const unselective = CASES.filter(([, f]) => {
      const n = data.orders.filter(f).length;
      return n === 0 || n === data.orders.length;
    });
    expect(unselective.map(([w]) => w)).toEqual([
      'quantity div 0 eq 1 or quantity mod 0 eq 0',
      '1 eq 1 or 1 eq 2 and 1 eq 3',
      '(1 eq 1 or 1 eq 2) and 1 eq 3',
      '2 mul 5 + 3 mul 2 eq 16 and 2 mul (5 + 3) mul 2 eq 32',
    ]);
  });

  it('count=0 answers the total only; totals stay exact with where over several pages', async () => {
    const expected = data.orders.filter((o) => num(q(o), 5, gt)).length;
    const res = await asText(t.http().get(path(ORDERS)).query({ where: 'quantity gt 5', count: '0' })).expect(200);
    expect(entriesOf(xmlOf(res))).toHaveLength(0);
    expect(opensearch(xmlOf(res), 'totalResults')).toBe(expected);
    const page2 = await asText(t.http().get(path(ORDERS)).query({ where: 'quantity gt 5', count: '10', startIndex: '11' })).expect(200);
    expect(opensearch(xmlOf(page2), 'totalResults')).toBe(expected);
    expect(entriesOf(xmlOf(page2))).toHaveLength(10);
  });

  describe('refused with the position of the problem', () => {
    const BAD: [string, string, number][] = [
      ['quantity eq', 'BadWhereSyntax', 12],
      ["number eq 'open", 'BadWhereSyntax', 11],
      ['colour eq 1', 'BadWhereSyntax', 1],
      ["quantity eq 'five'", 'BadWhereSyntax', 13],
      ['quantity lt null', 'BadWhereSyntax', 10],
      ['number.name eq 1', 'BadWhereSyntax', 1],
      ['lines eq 1', 'BadWhereSyntax', 1],
      ['placedOn eq @2024-02-30@', 'BadWhereSyntax', 13],
      ['quantity eq 1 and', 'BadWhereSyntax', 18],
      ['(quantity eq 1', 'BadWhereSyntax', 15],
      ["left(number, 1) eq 'N'", 'BadWhereSyntax', 1],
      ['quantity', 'BadWhereSyntax', 1],
      ["number like 5", 'BadWhereSyntax', 13],
      ['paid lt true', 'BadWhereSyntax', 1],
      ['quantity in (1, quantity)', 'BadWhereSyntax', 17],
      ["account eq 'not-a-uuid'", 'BadWhereSyntax', 12],
    ];
    it.each(BAD)('%s', async (where, code, position) => {
      const res = await asText(t.http().get(path(ORDERS)).query({ where })).expect(400);
      expect(diagnosisCodes(xmlOf(res))).toEqual([code]);
      expect(diagnosisField(xmlOf(res), 'message')).toContain(`at position ${position}`);
    });

    it('a text longer than the bound and a deep nesting are 400, not a crash', async () => {
      await asText(t.http().get(path(ORDERS)).query({ where: `quantity eq 1${' or quantity eq 1'.repeat(400)}` })).expect(400);
      await asText(t.http().get(path(ORDERS)).query({ where: `${'('.repeat(500)}paid${')'.repeat(500)}` })).expect(400);
      await asText(t.http().get(path(ORDERS)).query({ where: `${'not '.repeat(500)}paid` })).expect(400);
    });

    it('orderBy, select and include name properties of the kind', async () => {
      for (const query of ['orderBy=colour', 'orderBy=quantity%20up', 'orderBy=account', 'orderBy=quantity,quantity', 'select=colour', 'include=number', 'after=xyz&orderBy=number', 'after=xyz']) {
        const res = await asText(t.http().get(`${path(ORDERS)}?${query}`)).expect(400);
        expect(diagnosisCodes(xmlOf(res))).toEqual(['BadQueryParameter']);
      }
    });
  });

  describe('injection attempts answer the right rows or a 400, and change nothing', () => {
    // A refusal names the where syntax, except for a query value holding U+0000, refused before it is read.
    const ATTEMPTS: [string, (o: Order) => boolean, string?][] = [
      ["number eq 'x'' or ''1''=''1'", (o) => o.number === "x' or '1'='1"],
      ["number eq 'N1' or 1 eq 1", () => true],
      ["number eq 'N1'' --'", (o) => o.number === "N1' --"],
      ["number eq 'N1\\' or 1=1 --'", (o) => o.number === "N1\\' or 1=1 --"],
      ['number eq "N1"" OR ""a""=""a"', (o) => o.number === 'N1" OR "a"="a'],
      ["number eq 'N1'; DROP TABLE resources; --", () => false],
      ["number eq 'N1' -- ", () => false],
      ["number eq 'N1' /* */", () => false],
      ['number eq \u02bcN1\u02bc', () => false],
      ['number eq \uff07N1\uff07', () => false],
      ["number eq 'N1\u0000'", () => false, 'BadQueryParameter'],
      ["number eq $$N1$$", () => false],
      ["quantity eq 1); DELETE FROM resources; SELECT (1", () => false],
      ["payload->>'number' eq 'N1'", () => false],
      ["number eq E'\\x27'", () => false],
      ["number like '%' escape '\\'", () => false],
    ];
    it.each(ATTEMPTS)('%s', async (where, filter, refusal = 'BadWhereSyntax') => {
      const before = await snapshot(t.db);
      const res = await asText(t.http().get(path(ORDERS)).query({ where, count: '500' }));
      if (res.status === 200) {
        expect(refusal).toBe('BadWhereSyntax');
        expect(entriesOf(xmlOf(res)).map((e) => sdataAttr(payloadOf(e), 'key'))).toEqual(data.orders.filter(filter).map((o) => o.key));
      } else {
        expect(res.status).toBe(400);
        expect(diagnosisCodes(xmlOf(res))).toEqual([refusal]);
      }
      expect(await snapshot(t.db)).toEqual(before);
    });
  });
});
