/**
 * Checks a parsed `where` tree against a kind's properties and gives the typed condition (typed.ts):
 * unknown properties, operands of the wrong type, member access on something that is not a reference and
 * misplaced nulls are refused with the position of the operand at fault.
 */
import { isUuid } from '../protocol/values';
import type { Expr } from './ast';
import { QueryError } from './errors';
import type { Condition, FieldPath, QuerySchema, Value, ValueType } from './typed';

const ORDERED: ReadonlySet<ValueType> = new Set(['string', 'number', 'date', 'datetime']);

const fail = (pos: number, problem: string): never => {
  throw new QueryError('where', pos, problem);
};

type Checked = Value | { k: 'null' };

function fieldOf(e: Extract<Expr, { k: 'member' }>, schema: QuerySchema): Value {
  let current = schema;
  const refs: FieldPath['refs'] = [];
  e.path.forEach((name, i) => {
    const field = Object.hasOwn(current.fields, name) ? current.fields[name] : undefined;
    if (!field) fail(e.pos, `unknown property '${e.path.slice(0, i + 1).join('.')}' (${current.kind} has ${Object.keys(current.fields).join(', ')})`);
    if (i === e.path.length - 1) return;
    const next = field!.type === 'reference' ? current.referenced?.(field!.kind) : undefined;
    if (!next) fail(e.pos, `'${e.path.slice(0, i + 1).join('.')}' is not a reference: it has no members`);
    refs.push({ property: name, kind: (field as { kind: string }).kind });
    current = next!;
  });
  const name = e.path[e.path.length - 1];
  return { k: 'field', type: current.fields[name].type, field: { refs, name } };
}

function literalOf(e: Extract<Expr, { k: 'literal' }>): Checked {
  switch (e.type) {
    case 'null':
      return { k: 'null' };
    case 'integer':
    case 'decimal':
      return { k: 'const', type: 'number', value: e.value as string };
    case 'boolean':
      return { k: 'const', type: 'boolean', value: e.value as boolean };
    default:
      return { k: 'const', type: e.type, value: e.value as string };
  }
}

/** The condition a boolean value stands for (a boolean property alone: `not disabled`). */
function asCondition(v: Checked, pos: number): Condition {
  if (v.k === 'condition') return v.condition;
  if (v.k === 'null' || v.type !== 'boolean') return fail(pos, 'expected a condition (a comparison or a boolean property)');
  if (v.k === 'const') return { k: 'constant', value: v.value as boolean };
  return { k: 'isTrue', arg: v };
}

function value(v: Checked, pos: number): Value {
  if (v.k === 'null') return fail(pos, 'null can only be compared with eq or ne');
  return v;
}

function numeric(v: Checked, pos: number): Value {
  const x = value(v, pos);
  if (x.type !== 'number') fail(pos, `expected a number, not a ${x.type}`);
  return x;
}

/**
 * Makes two operands comparable: same type, a date literal against a timestamp (midnight UTC), or a UUID
 * text against a reference. Returns them as compared.
 */
function unify(left: Value, right: Value, pos: number, rightPos: number): [Value, Value] {
  const adapt = (c: Value, to: ValueType, at: number): Value | undefined => {
    if (c.k !== 'const') return undefined;
    if (c.type === 'date' && to === 'datetime') return { k: 'const', type: 'datetime', value: `${c.value as string}T00:00:00.000Z` };
    if (c.type === 'string' && to === 'reference') {
      if (!isUuid(c.value as string)) fail(at, `a reference is compared with a UUID, not '${c.value as string}'`);
      return { k: 'const', type: 'reference', value: (c.value as string).toLowerCase() };
    }
    return undefined;
  };
  if (left.type === right.type) return [left, right];
  const r = adapt(right, left.type, rightPos);
  if (r) return [left, r];
  const l = adapt(left, right.type, pos);
  if (l) return [l, right];
  return fail(rightPos, `a ${left.type} cannot be compared with a ${right.type}`);
}

function ordered(v: Value, pos: number, op: string): Value {
  if (!ORDERED.has(v.type)) fail(pos, `${op} needs numbers, strings, dates or timestamps, not a ${v.type}`);
  return v;
}

function check(e: Expr, schema: QuerySchema): Checked {
  switch (e.k) {
    case 'literal':
      return literalOf(e);
    case 'member':
      return fieldOf(e, schema);
    case 'neg':
      return { k: 'neg', type: 'number', arg: numeric(check(e.arg, schema), e.arg.pos) };
    case 'arith':
      return { k: 'arith', type: 'number', op: e.op, left: numeric(check(e.left, schema), e.left.pos), right: numeric(check(e.right, schema), e.right.pos) };
    case 'not':
      return { k: 'condition', type: 'boolean', condition: { k: 'not', arg: asCondition(check(e.arg, schema), e.arg.pos) } };
    case 'logical':
      return {
        k: 'condition',
        type: 'boolean',
        condition: { k: e.op, left: asCondition(check(e.left, schema), e.left.pos), right: asCondition(check(e.right, schema), e.right.pos) },
      };
    case 'compare':
      return { k: 'condition', type: 'boolean', condition: comparison(e, schema) };
    case 'like': {
      const arg = value(check(e.arg, schema), e.arg.pos);
      const pattern = value(check(e.pattern, schema), e.pattern.pos);
      if (arg.type !== 'string') fail(e.arg.pos, `like needs a string, not a ${arg.type}`);
      if (pattern.type !== 'string') fail(e.pattern.pos, `the pattern of like must be a string, not a ${pattern.type}`);
      return { k: 'condition', type: 'boolean', condition: { k: 'like', arg, pattern } };
    }
    case 'between': {
      const arg = ordered(value(check(e.arg, schema), e.arg.pos), e.arg.pos, 'between');
      const [, low] = unify(arg, value(check(e.low, schema), e.low.pos), e.arg.pos, e.low.pos);
      const [, high] = unify(arg, value(check(e.high, schema), e.high.pos), e.arg.pos, e.high.pos);
      return { k: 'condition', type: 'boolean', condition: { k: 'between', arg, low, high } };
    }
    case 'in': {
      const arg = value(check(e.arg, schema), e.arg.pos);
      if (arg.type === 'boolean') fail(e.arg.pos, 'in needs numbers, strings, dates, timestamps or references, not a boolean');
      const items = e.items.map((item) => {
        const v = value(check(item, schema), item.pos);
        const [, u] = unify(arg, v, e.arg.pos, item.pos);
        if (u.k !== 'const') return fail(item.pos, 'the list of in holds literal values only');
        return u;
      });
      return { k: 'condition', type: 'boolean', condition: { k: 'in', arg, items } };
    }
  }
}

function comparison(e: Extract<Expr, { k: 'compare' }>, schema: QuerySchema): Condition {
  const left = check(e.left, schema);
  const right = check(e.right, schema);
  if (left.k === 'null' || right.k === 'null') {
    if (e.op !== 'eq' && e.op !== 'ne') return fail(e.pos, `null can only be compared with eq or ne, not ${e.op}`);
    if (left.k === 'null' && right.k === 'null') return { k: 'constant', value: e.op === 'eq' };
    const arg = left.k === 'null' ? (right as Value) : left;
    return { k: 'isNull', arg, negated: e.op === 'ne' };
  }
  const [l, r] = unify(left, right, e.left.pos, e.right.pos);
  if (e.op !== 'eq' && e.op !== 'ne') ordered(l, e.left.pos, e.op);
  return { k: 'compare', op: e.op, left: l, right: r };
}

/** The typed condition of a parsed `where` tree; throws QueryError at the first problem. */
export function checkWhere(e: Expr, schema: QuerySchema): Condition {
  return asCondition(check(e, schema), e.pos);
}
