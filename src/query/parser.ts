/**
 * Parses a `where` text (SData core 2.12) into an Expr tree by precedence climbing, one function per
 * priority level of the spec's operator table (lowest priority value binds tightest):
 *
 *   1 member access  x.y                        parsePrimary (a path of names)
 *   2 unary          -x, not x                  parseUnary (right to left)
 *   3 multiplicative mul div mod                parseMultiplicative
 *   4 additive       + -                        parseAdditive
 *   5 comparison     eq ne lt le gt ge between in like   parseComparison
 *   6 and                                       parseAnd
 *   7 or                                        parseOr
 *
 * Binary operators of one class associate left to right. As the table says, `not` binds tighter than a
 * comparison: `not a eq b` is `(not a) eq b`; write `not (a eq b)`. Functions are not supported (a name
 * followed by `(` is refused at its position). Input is bounded: at most MAX_WHERE_LENGTH characters and
 * MAX_DEPTH nested operators, so no query can exhaust the stack.
 */
import { readDate, readDatetime } from '../protocol/values';
import type { ArithmeticOp, ComparisonOp, Expr } from './ast';
import { QueryError } from './errors';
import { tokenize, type Token } from './lexer';

const MAX_WHERE_LENGTH = 4000;
const MAX_DEPTH = 100;
const MAX_IN_ITEMS = 1000;

const COMPARISONS = new Set<string>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const MULTIPLICATIVE: Record<string, ArithmeticOp> = { mul: 'mul', div: 'div', mod: 'mod' };
const KEYWORDS = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'not', 'between', 'in', 'like', 'mul', 'div', 'mod', 'true', 'false', 'null']);

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private get tok(): Token {
    return this.tokens[this.i];
  }

  private fail(problem: string, at: Token = this.tok): never {
    throw new QueryError('where', at.pos, problem);
  }

  /** The current token's keyword (lower case) when it is a name, else undefined. */
  private keyword(): string | undefined {
    const t = this.tok;
    return t.t === 'name' && KEYWORDS.has(t.text.toLowerCase()) ? t.text.toLowerCase() : undefined;
  }

  private isPunct(p: string): boolean {
    return this.tok.t === 'punct' && this.tok.text === p;
  }

  private expectPunct(p: string, what: string): void {
    if (!this.isPunct(p)) this.fail(`expected ${what}, found ${describe(this.tok)}`);
    this.i++;
  }

  private nested<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) this.fail(`the expression nests deeper than ${MAX_DEPTH} levels`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  parseWhole(): Expr {
    const e = this.parseOr();
    if (this.tok.t !== 'end') this.fail(`expected an operator or the end, found ${describe(this.tok)}`);
    return e;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.keyword() === 'or') {
      const pos = this.tok.pos;
      this.i++;
      left = { k: 'logical', op: 'or', left, right: this.nested(() => this.parseAnd()), pos };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseComparison();
    while (this.keyword() === 'and') {
      const pos = this.tok.pos;
      this.i++;
      left = { k: 'logical', op: 'and', left, right: this.nested(() => this.parseComparison()), pos };
    }
    return left;
  }

  private parseComparison(): Expr {
    let left = this.parseAdditive();
    for (;;) {
      const kw = this.keyword();
      const pos = this.tok.pos;
      if (kw && COMPARISONS.has(kw)) {
        this.i++;
        left = { k: 'compare', op: kw as ComparisonOp, left, right: this.nested(() => this.parseAdditive()), pos };
      } else if (kw === 'like') {
        this.i++;
        left = { k: 'like', arg: left, pattern: this.nested(() => this.parseAdditive()), pos };
      } else if (kw === 'between') {
        this.i++;
        const low = this.nested(() => this.parseAdditive());
        if (this.keyword() !== 'and') this.fail(`expected 'and' of between, found ${describe(this.tok)}`);
        this.i++;
        left = { k: 'between', arg: left, low, high: this.nested(() => this.parseAdditive()), pos };
      } else if (kw === 'in') {
        this.i++;
        left = { k: 'in', arg: left, items: this.parseList(), pos };
      } else return left;
    }
  }

  private parseList(): Expr[] {
    this.expectPunct('(', "'(' starting the list of in");
    const items: Expr[] = [];
    for (;;) {
      if (items.length >= MAX_IN_ITEMS) this.fail(`a list of in holds at most ${MAX_IN_ITEMS} values`);
      items.push(this.nested(() => this.parseAdditive()));
      if (this.isPunct(',')) this.i++;
      else break;
    }
    this.expectPunct(')', "',' or ')' in the list of in");
    return items;
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    while (this.isPunct('+') || this.isPunct('-')) {
      const pos = this.tok.pos;
      const op = this.tok.t === 'punct' && this.tok.text === '+' ? 'add' : 'sub';
      this.i++;
      left = { k: 'arith', op, left, right: this.nested(() => this.parseMultiplicative()), pos };
    }
    return left;
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    for (let kw = this.keyword(); kw && kw in MULTIPLICATIVE; kw = this.keyword()) {
      const pos = this.tok.pos;
      this.i++;
      left = { k: 'arith', op: MULTIPLICATIVE[kw], left, right: this.nested(() => this.parseUnary()), pos };
    }
    return left;
  }

  private parseUnary(): Expr {
    const pos = this.tok.pos;
    if (this.isPunct('-')) {
      this.i++;
      return { k: 'neg', arg: this.nested(() => this.parseUnary()), pos };
    }
    if (this.keyword() === 'not') {
      this.i++;
      return { k: 'not', arg: this.nested(() => this.parseUnary()), pos };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    const pos = t.pos;
    if (t.t === 'punct' && t.text === '(') {
      this.i++;
      const inner = this.nested(() => this.parseOr());
      this.expectPunct(')', "')'");
      return inner;
    }
    if (t.t === 'string') {
      this.i++;
      return { k: 'literal', type: 'string', value: t.text, pos };
    }
    if (t.t === 'number') {
      this.i++;
      return { k: 'literal', type: t.decimal ? 'decimal' : 'integer', value: t.text, pos };
    }
    if (t.t === 'date') {
      this.i++;
      const isTimestamp = t.text.includes('T');
      const value = isTimestamp ? readDatetime(t.text) : readDate(t.text);
      if (value === undefined) this.fail(`@${t.text}@ is not a date (@YYYY-MM-DD@) or timestamp (@YYYY-MM-DDThh:mm:ss[Z|±hh:mm]@)`, t);
      if (!isTimestamp) return { k: 'literal', type: 'date', value, pos };
      const datetime = value;
      return { k: 'literal', type: 'datetime', value: datetime, pos };
    }
    if (t.t === 'name') {
      const kw = this.keyword();
      if (kw === 'true' || kw === 'false') {
        this.i++;
        return { k: 'literal', type: 'boolean', value: kw === 'true', pos };
      }
      if (kw === 'null') {
        this.i++;
        return { k: 'literal', type: 'null', value: null, pos };
      }
      if (kw) this.fail(`expected a value, found the operator '${t.text}'`);
      return this.parsePath();
    }
    return this.fail(`expected a value, found ${describe(t)}`);
  }

  private parsePath(): Expr {
    const first = this.tok as Extract<Token, { t: 'name' }>;
    const path = [first.text];
    this.i++;
    if (this.isPunct('(')) this.fail(`functions such as ${first.text}() are not supported`, first);
    while (this.isPunct('.')) {
      this.i++;
      const t = this.tok;
      if (t.t !== 'name') this.fail(`expected a property name after '.', found ${describe(t)}`);
      path.push(t.text);
      this.i++;
    }
    return { k: 'member', path, pos: first.pos };
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'end':
      return 'the end of the text';
    case 'string':
      return 'a string';
    case 'date':
      return 'a date';
    default:
      return `'${t.text}'`;
  }
}

/** The tree of a `where` text; throws QueryError with the position of the first problem. */
export function parseWhere(text: string): Expr {
  if (text.length > MAX_WHERE_LENGTH) throw new QueryError('where', MAX_WHERE_LENGTH + 1, `the text is longer than ${MAX_WHERE_LENGTH} characters`);
  if (text.trim() === '') throw new QueryError('where', 1, 'the condition is empty');
  return new Parser(tokenize(text)).parseWhole();
}
