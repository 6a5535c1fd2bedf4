/** The query language's grammar (core 2.12): priorities and associativity as the spec's table gives them, literals, and positions of problems. */
import { parseWhere } from '../../src/query/parser';
import type { Expr } from '../../src/query/ast';
import { QueryError } from '../../src/query/errors';

/** The tree fully parenthesised, to compare with the spec's "parsed as" column. */
function shape(e: Expr): string {
  switch (e.k) {
    case 'literal':
      return e.type === 'string' ? `'${e.value as string}'` : e.type === 'date' || e.type === 'datetime' ? `@${e.value as string}@` : String(e.value);
    case 'member':
      return e.path.join('.');
    case 'neg':
      return `(- ${shape(e.arg)})`;
    case 'not':
      return `(not ${shape(e.arg)})`;
    case 'arith':
    case 'compare':
    case 'logical':
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case 'like':
      return `(${shape(e.arg)} like ${shape(e.pattern)})`;
    case 'between':
      return `(${shape(e.arg)} between ${shape(e.low)} and ${shape(e.high)})`;
    case 'in':
      return `(${shape(e.arg)} in ${e.items.map(shape).join(', ')})`;
  }
}

describe('parseWhere', () => {
  it.each([
    ['2 mul 5 + 3 mul 2', '((2 mul 5) add (3 mul 2))'],
    ['2 mul (5 + 3) mul 2', '((2 mul (5 add 3)) mul 2)'],
    ['1 eq 1 or 1 eq 2 and 1 eq 3', '((1 eq 1) or ((1 eq 2) and (1 eq 3)))'],
    ['(1 eq 1 or 1 eq 2) and 1 eq 3', '(((1 eq 1) or (1 eq 2)) and (1 eq 3))'],
    ['a - b - c', '((a sub b) sub c)'],
    ['a div b mod c', '((a div b) mod c)'],
    ['- - a', '(- (- a))'],
    ['not not a', '(not (not a))'],
    ['not a eq b', '((not a) eq b)'],
    ['- a mul b', '((- a) mul b)'],
    ['a between 1 and 2 and b', '((a between 1 and 2) and b)'],
    ["x in ('a', 'b''c') or y like '%z'", "((x in 'a', 'b'c') or (y like '%z'))"],
    ['billingAddress.countryCode eq "UK"', "(billingAddress.countryCode eq 'UK')"],
    ['date ge @2008-01-01@ AND $updated GT @2011-01-07T09:32:07+01:00@', '((date ge @2008-01-01@) and ($updated gt @2011-01-07T08:32:07.000Z@))'],
    ['creditLimit - balance ge 1000.0', '((creditLimit sub balance) ge 1000.0)'],
    ['a eq true or b ne null', '((a eq true) or (b ne null))'],
  ])('%s', (text, parsed) => {
    expect(shape(parseWhere(text))).toBe(parsed);
  });

  it.each([
    ['a eq', 5],
    ['a eq b)', 7],
    ["a eq 'x", 6],
    ['a eq @2008-13-01@', 6],
    ['a eq 1 and', 11],
    ['a between 1 or 2', 13],
    ['a in 1', 6],
    ['a.', 3],
    ['a # b', 3],
    ['left(a, 1) eq b', 1],
    ['', 1],
  ])('refuses %j at position %i', (text, position) => {
    let caught: unknown;
    try {
      parseWhere(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(QueryError);
    expect((caught as QueryError).position).toBe(position);
  });
});
