/**
 * Partition rules (src/protocol/partitions.ts, PROTOCOL.md 2.9): the one spelling of a partition's
 * expression and URL, canonicalUrl agreeing with it for every equivalent spelling of the request, and
 * membership over a resource's values (two-valued null semantics, exact numbers, code point order).
 */
import { canonicalUrl } from '../../src/protocol/endpointUrl';
import { canonicalWhere, pageVersionInScope, partitionOf, partitionUrl } from '../../src/protocol/partitions';
import type { ResourceValues } from '../../src/protocol/propertyValues';
import { checkWhere } from '../../src/query/check';
import { parseWhere } from '../../src/query/parser';
import type { QuerySchema } from '../../src/query/typed';

const KIND = 'http://hq.example/sdata/hq/test/-/accounts';

const schema: QuerySchema = {
  kind: 'accounts',
  fields: { country: { type: 'string' }, name: { type: 'string' }, balance: { type: 'number' }, size: { type: 'number' }, active: { type: 'boolean' }, since: { type: 'date' }, seen: { type: 'datetime' } },
};
const condition = (where: string) => checkWhere(parseWhere(where), schema);

describe('canonicalWhere', () => {
  it.each([
    ["country eq 'FR'", "country eq 'FR'"],
    ["  country \t eq\r\n'FR'  ", "country eq 'FR'"],
    ["name eq 'two  spaces'", "name eq 'two  spaces'"],
    ["name eq 'it''s  here'  and  country eq 'FR'", "name eq 'it''s  here' and country eq 'FR'"],
    ['name eq "a   b"  or name eq "x"', 'name eq "a   b" or name eq "x"'],
    ['since  eq  @2026-01-01@', 'since eq @2026-01-01@'],
    ['(country eq  1)', '(country eq 1)'],
  ])('%j -> %j', (given, canonical) => {
    expect(canonicalWhere(given)).toBe(canonical);
    expect(canonicalWhere(canonical)).toBe(canonical);
  });
});

describe('partitionUrl and canonicalUrl', () => {
  const url = partitionUrl(KIND, "country eq 'FR'");
  it('writes the expression with encodeURIComponent', () => {
    expect(url).toBe(`${KIND}?where=country%20eq%20'FR'`);
  });

  it.each([
    `${KIND}?where=country%20eq%20'FR'`,
    `${KIND}?where=country+eq+'FR'`,
    `${KIND}?where=country%20eq%20%27FR%27`,
    `${KIND}?where=country+eq+%27FR%27`,
    `${KIND}?where=%63ountry%20eq%20%27FR%27`,
    `${KIND}?where=%20country%20%20eq%09%27FR%27%20`,
    `${KIND}?where=country eq 'FR'`,
    `${KIND}/?where=country%20eq%20%27FR%27`,
    `HTTP://HQ.example:80/sdata/hq/test/-/accounts?where=country%20eq%20%27FR%27`,
  ])('%s names the partition', (spelling) => {
    expect(canonicalUrl(spelling)).toBe(url);
  });

  it('keeps a partition URL as it is, whatever its expression holds', () => {
    for (const where of ["country eq 'FR'", "name like 'A%'", "name eq 'a+b & c=d'", "name eq 'é ü 中'", 'balance ge -2.50', "country in ('FR', 'DE')", '(active) and not (size lt 3)']) {
      const u = partitionUrl(KIND, where);
      expect(canonicalUrl(u)).toBe(u);
      expect(canonicalUrl(`${KIND}?where=${encodeURIComponent(where).replace(/%20/g, '+').replace(/%2[0-9A-F]/g, (e) => e.toLowerCase())}`)).toBe(u);
    }
  });

  it('tells different expressions apart', () => {
    expect(canonicalUrl(`${KIND}?where=country+eq+'DE'`)).not.toBe(url);
    expect(partitionUrl(KIND, "name eq 'a b'")).not.toBe(partitionUrl(KIND, "name eq 'a  b'"));
  });
});

describe('partitionOf', () => {
  const byCountry = [condition("country eq 'FR'"), condition("country eq 'DE'")];
  const overlapping = [condition("country eq 'FR'"), condition("country in ('FR', 'BE')")];
  it.each<[string, ReturnType<typeof condition>[], ResourceValues, number | 'none' | 'several']>([
    ['first partition', byCountry, { country: 'FR' }, 0],
    ['second partition', byCountry, { country: 'DE' }, 1],
    ['no partition holds the value', byCountry, { country: 'IT' }, 'none'],
    ['case-sensitive', byCountry, { country: 'fr' }, 'none'],
    ['missing property: in none', byCountry, {}, 'none'],
    ['null property: in none', byCountry, { country: null }, 'none'],
    ['overlapping filters', overlapping, { country: 'FR' }, 'several'],
    ['overlapping filters, one holds', overlapping, { country: 'BE' }, 1],
  ])('%s', (_, partitions, values, expected) => {
    expect(partitionOf(partitions, values)).toBe(expected);
  });
});

describe('membership of one condition', () => {
  const member = (where: string, values: ResourceValues) => partitionOf([condition(where)], values) === 0;
  it.each<[string, ResourceValues, boolean]>([
    ["country ne 'FR'", { country: 'DE' }, true],
    ["country ne 'FR'", {}, false],
    ["not (country eq 'FR')", {}, true],
    ["not (country eq 'FR')", { country: 'FR' }, false],
    ['country eq null', {}, true],
    ['country eq null', { country: null }, true],
    ['country ne null', { country: 'FR' }, true],
    ['country ne null', { country: null }, false],
    ['balance gt 10', { balance: '10.01' }, true],
    ['balance gt 10', { balance: '10.00' }, false],
    ['balance eq 10', { balance: '10.00' }, true],
    ['balance ge -2.5', { balance: '-2.50' }, true],
    ['balance lt -2.5', { balance: '-2.51' }, true],
    ['size between 1 and 3', { size: 3 }, true],
    ['size between 1 and 3', { size: 4 }, false],
    ['size between 1 and 3', {}, false],
    ['size in (1, 2.0)', { size: 2 }, true],
    ['size in (1, 2.0)', { size: 3 }, false],
    ["name like 'A%'", { name: 'Acme' }, true],
    ["name like 'A%'", { name: 'acme' }, false],
    ["name like 'A_c%'", { name: 'Abc' }, true],
    ["name like 'A.c'", { name: 'Abc' }, false],
    ["name like '%'", {}, false],
    ["name gt 'z'", { name: '\u{1F600}' }, true],
    ["name lt '\uFFFF'", { name: '\u{1F600}' }, false],
    ['active', { active: true }, true],
    ['active', { active: false }, false],
    ['not active', {}, true],
    ['active eq false', { active: false }, true],
    ['since lt @2026-01-01@', { since: '2025-12-31' }, true],
    ['seen ge @2026-01-01@', { seen: '2026-01-01T00:00:00.000Z' }, true],
    ['seen lt @2026-01-01T10:00:00Z@', { seen: '2026-01-01T09:59:59.999Z' }, true],
    ["country eq 'FR' or size gt 1", { size: 2 }, true],
    ["country eq 'FR' and size gt 1", { country: 'FR' }, false],
  ])('%s over %j: %s', (where, values, expected) => {
    expect(member(where, values)).toBe(expected);
  });
});

describe('pageVersionInScope (a page of a principal reaching FR only)', () => {
  const reachable = new Set(['FR']);
  it.each([
    ['a version falling in FR, held nowhere else', 'FR', undefined, true],
    ['a delete of a resource held nowhere else', undefined, undefined, true],
    ['a version falling in DE', 'DE', undefined, false],
    ['a version falling in FR of a resource DE holds live', 'FR', 'DE', false],
    ['a delete of a resource DE holds live', undefined, 'DE', false],
    ['a version falling in DE of a resource DE holds live', 'DE', 'DE', false],
    ['a version falling in FR of a resource FR holds live', 'FR', 'FR', true],
  ] as const)('%s', (_what, fallsIn, heldLiveBy, expected) => {
    expect(pageVersionInScope(reachable, fallsIn, heldLiveBy)).toBe(expected);
  });
});
