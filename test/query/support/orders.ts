/**
 * A fixed data set for query tests (accounts and the orders that reference them, every scalar type, with
 * nulls, missing properties, quotes and non-ASCII text), and the tests' own reading of the query
 * semantics README states: two-valued conditions, a comparison with a null or missing operand is false
 * (except `eq null` / `ne null`), `not` is plain negation, strings compare by code point. Written
 * independently of src/query and src/store.
 */
import { createResources } from '../../../src/store/resources';
import type { TestApp } from '../../endpoint/support/app';
import { CRM } from '../../endpoint/support/testConfig';

const ACCOUNTS = `${CRM}/accounts`;
export const ORDERS = `${CRM}/orders`;

export interface Account {
  key?: string;
  uuid?: string;
  name: string;
  balance?: string | null;
  active?: boolean | null;
}

export interface Order {
  key?: string;
  uuid?: string;
  number: string;
  quantity?: number | null;
  total?: string | null;
  paid?: boolean | null;
  placedOn?: string | null;
  placedAt?: string | null;
  /** Index into the accounts, -1 for a dangling reference, null for xsi:nil. */
  account?: number | null;
}

const NAMES = ["O'Brien", 'Ünal', 'ACME', 'acme', 'Bank of "Hope"', '100% Cotton', 'under_score', 'Zed', 'émile', ''];

/** 60 accounts and 240 orders, from a deterministic generator. */
export function fixedData(): { accounts: Account[]; orders: Order[] } {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor(seed / 65536) % n;
  };
  const maybe = <T>(v: T): T | null | undefined => [v, v, v, v, null, undefined][rnd(6)];
  const accounts: Account[] = Array.from({ length: 60 }, (_, i) => ({
    name: `${NAMES[i % NAMES.length]} ${i}`,
    balance: maybe(`${rnd(2000) - 500}.${String(rnd(100)).padStart(2, '0')}`),
    active: maybe(rnd(2) === 0),
  }));
  const orders: Order[] = Array.from({ length: 240 }, (_, i) => ({
    number: i % 17 === 0 ? `N'${i}` : i % 13 === 0 ? `N_${i}` : `N${i}`,
    quantity: maybe(rnd(12)),
    total: maybe(`${rnd(1000)}.${String(rnd(100)).padStart(2, '0')}`),
    paid: maybe(rnd(2) === 0),
    placedOn: maybe(`2024-0${1 + rnd(3)}-${String(1 + rnd(28)).padStart(2, '0')}`),
    placedAt: maybe(`2024-02-${String(1 + rnd(3)).padStart(2, '0')}T${String(rnd(24)).padStart(2, '0')}:${String(rnd(60)).padStart(2, '0')}:00.000Z`),
    account: [rnd(60), rnd(60), rnd(60), -1, null, undefined][rnd(6)],
  }));
  return { accounts, orders };
}

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Writes the data set (keys and UUIDs are filled in on the objects). */
export async function loadData(t: TestApp, data: { accounts: Account[]; orders: Order[] }): Promise<void> {
  const accountsId = t.endpointId(ACCOUNTS);
  const ordersId = t.endpointId(ORDERS);
  const madeAccounts = await t.db.transaction((trx) =>
    createResources(trx, { id: accountsId, url: ACCOUNTS, keys: { style: 'numeric' } }, data.accounts.map((a) => ({ values: defined({ name: a.name, balance: a.balance, active: a.active }) }))),
  );
  madeAccounts.forEach((r, i) => Object.assign(data.accounts[i], { key: r.key, uuid: r.uuid }));
  const refOf = (o: Order) => (o.account === undefined ? undefined : o.account === null ? null : { uuid: o.account === -1 ? '00000000-0000-4000-8000-000000000000' : data.accounts[o.account].uuid });
  const madeOrders = await t.db.transaction((trx) =>
    createResources(
      trx,
      { id: ordersId, url: ORDERS, keys: { style: 'numeric' } },
      data.orders.map((o) => ({ values: defined({ number: o.number, quantity: o.quantity, total: o.total, paid: o.paid, placedOn: o.placedOn, placedAt: o.placedAt, account: refOf(o) }) })),
    ),
  );
  madeOrders.forEach((r, i) => Object.assign(data.orders[i], { key: r.key, uuid: r.uuid }));
}

// The semantics, as the tests read README ------------------------------------------------------------------

/** Exact decimal as a scaled BigInt (4 decimals), null for null or missing. */
export function dec(v: string | number | null | undefined): bigint | null {
  if (v === null || v === undefined) return null;
  const [w, f = ''] = String(v).split('.');
  const neg = w.startsWith('-');
  const abs = BigInt(w.replace('-', '')) * 10000n + BigInt((f + '0000').slice(0, 4));
  return neg ? -abs : abs;
}

/** Code point order of two strings. */
export function cmpText(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** A two-valued comparison: false when either side is null or missing. */
export function cmp<T>(a: T | null | undefined, b: T | null | undefined, test: (c: number) => boolean, compare: (x: T, y: T) => number): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return test(compare(a, b));
}

export const byNumber = (x: bigint, y: bigint) => (x < y ? -1 : x > y ? 1 : 0);
export const byBoolean = (x: boolean, y: boolean) => Number(x) - Number(y);

/** SQL LIKE with % and _ and no escape character, over code points. */
export function like(text: string | null | undefined, pattern: string): boolean {
  if (text === null || text === undefined) return false;
  const re = new RegExp(`^${[...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'su');
  return re.test(text);
}

/** The account an order's reference resolves to (undefined when missing, null or dangling). */
export function accountOf(o: Order, accounts: Account[]): Account | undefined {
  return o.account === null || o.account === undefined || o.account < 0 ? undefined : accounts[o.account];
}
