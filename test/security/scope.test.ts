/** What a principal's partitions let it reach, kind by kind (security/scope.ts). */
import { reaches, scopeOf, UNRESTRICTED, type AllowedPartitions, type ScopedKind } from '../../src/security/scope';

/** A canonicaliser for the table: spacing does not matter, `bad` does not parse. */
const canonical = (e: string): string | undefined => (e.includes('bad') ? undefined : e.trim().replace(/\s+/g, ' '));

const ACCOUNTS: ScopedKind = { name: 'accounts', partitions: ["country eq 'FR'", "country eq 'DE'"] };
const ORDERS: ScopedKind = { name: 'orders', partitions: ["region eq 'N'", "region eq 'S'"] };
const PRODUCTS: ScopedKind = { name: 'products', partitions: [] };

const shown = (a: AllowedPartitions): string | string[] => (a === 'all' ? 'all' : [...a].sort());

describe('scopeOf(partitions).allowedPartitions(kind)', () => {
  test.each<[string, Record<string, string[]> | undefined, ScopedKind, string | string[]]>([
    ['no partitions: a partitioned kind whole', undefined, ACCOUNTS, 'all'],
    ['no partitions: an unpartitioned kind whole', undefined, PRODUCTS, 'all'],
    ['a listed kind: its listed partitions', { accounts: ["country eq 'FR'"] }, ACCOUNTS, ["country eq 'FR'"]],
    ['compared canonically', { accounts: ["  country   eq 'FR' "] }, ACCOUNTS, ["country eq 'FR'"]],
    ['two partitions listed', { accounts: ["country eq 'DE'", "country eq 'FR'"] }, ACCOUNTS, ["country eq 'DE'", "country eq 'FR'"]],
    ['an expression that is no partition of the kind grants nothing', { accounts: ["country eq 'IT'"] }, ACCOUNTS, []],
    ['an expression that does not parse grants nothing', { accounts: ['bad ((', "country eq 'FR'"] }, ACCOUNTS, ["country eq 'FR'"]],
    ['a listed kind with no expression: nothing', { accounts: [] }, ACCOUNTS, []],
    ['a partitioned kind not listed: nothing', { accounts: ["country eq 'FR'"] }, ORDERS, []],
    ['an unpartitioned kind not listed: whole', { accounts: ["country eq 'FR'"] }, PRODUCTS, 'all'],
    ['an unpartitioned kind listed: nothing (its expressions name no partition)', { products: ["country eq 'FR'"] }, PRODUCTS, []],
    ['an unknown kind listed grants nothing and takes nothing away', { acounts: ["country eq 'FR'"] }, PRODUCTS, 'all'],
    ['an unknown kind listed does not open a partitioned one', { acounts: ["country eq 'FR'"] }, ACCOUNTS, []],
    ['a kind named like an Object property is a kind like any other', { constructor: ["country eq 'FR'"] }, ACCOUNTS, []],
    ['a claim whose entry is not a list grants nothing', { accounts: "country eq 'FR'" as unknown as string[] }, ACCOUNTS, []],
    ['a claim whose list holds other things than strings: its strings only', { accounts: [42, null, "country eq 'DE'"] as unknown as string[] }, ACCOUNTS, ["country eq 'DE'"]],
  ])('%s', (_, partitions, kind, expected) => {
    expect(shown(scopeOf(partitions, canonical).allowedPartitions(kind))).toEqual(expected);
  });

  test('a principal without partitions is unrestricted, one with them is not', () => {
    expect(scopeOf(undefined, canonical)).toBe(UNRESTRICTED);
    expect(scopeOf({}, canonical).unrestricted).toBe(false);
  });
});

describe('reaches(allowed, partition)', () => {
  test.each<[AllowedPartitions, string | undefined, boolean]>([
    ['all', "country eq 'FR'", true],
    ['all', undefined, true],
    [new Set(["country eq 'FR'"]), "country eq 'FR'", true],
    [new Set(["country eq 'FR'"]), "country eq 'DE'", false],
    [new Set(["country eq 'FR'"]), undefined, false],
    [new Set(), "country eq 'FR'", false],
  ])('%p reaches %p: %p', (allowed, partition, expected) => {
    expect(reaches(allowed, partition)).toBe(expected);
  });
});
