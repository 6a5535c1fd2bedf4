/**
 * Partition endpoints (PROTOCOL.md 2.9): the one spelling of a partition's `where` expression and URL, and
 * which partition a resource's values fall in. Pure.
 *
 *   canonicalWhere   "  country   eq 'FR  x' " -> "country eq 'FR  x'"   (white space outside literals)
 *   partitionUrl     {kind URL}?where={canonicalWhere, encodeURIComponent}
 *   partitionOf      the checked conditions of a kind's partitions, a resource's values
 *                    -> index of the one partition holding it | 'none' | 'several'
 *   movedKnowledge   the knowledge of both halves of a move (P's departure, Q's arrival)
 *   pageVersionInScope  may a scoped principal's page store this version (PROTOCOL.md 3.3)
 *
 * Membership evaluates the checked tree (src/protocol/condition.ts) with the query language's two-valued
 * null semantics, exactly as the SQL of src/store/querySql.ts does: a comparison with a null or missing
 * operand is false, so a resource without the property is in no partition that compares it.
 */
import type { Condition, Value } from './condition';
import { knowledgeOnRestamp } from './knowledge';
import type { ResourceValues } from './propertyValues';
import type { Digest, Priority, SyncState } from './types';

const WHITESPACE = /[ \t\r\n]/;

/**
 * A `where` expression in its one spelling: trimmed, every run of white space outside string literals
 * ('...' or "...", the quote doubled inside) and date literals (@...@) written as one space.
 */
export function canonicalWhere(expression: string): string {
  let out = '';
  let quote: string | undefined;
  let pendingSpace = false;
  for (const c of expression) {
    if (quote) {
      out += c;
      if (c === quote) quote = undefined; // a doubled quote closes and opens again: the text is kept either way
      continue;
    }
    if (WHITESPACE.test(c)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += c;
    if (c === "'" || c === '"' || c === '@') quote = c;
  }
  return out;
}

/** The URL of a kind's partition: `{kind URL}?where={expression}`, in its one spelling. */
export function partitionUrl(kindUrl: string, expression: string): string {
  return `${kindUrl}?where=${encodeURIComponent(canonicalWhere(expression))}`;
}

/** Which partition holds a resource with these values: its index, or none, or several (overlapping filters). */
export function partitionOf(partitions: readonly Condition[], values: ResourceValues): number | 'none' | 'several' {
  let found: number | 'none' = 'none';
  for (let i = 0; i < partitions.length; i++) {
    if (!holds(partitions[i], values)) continue;
    if (found !== 'none') return 'several';
    found = i;
  }
  return found;
}

/**
 * The knowledge of a moved resource's two new versions (P's departure tombstone and Q's change): the
 * previous version's knowledge and that version itself (its state `(X, t)` gives `X: t + 1`, with
 * `priority` when the knowledge does not know X), merged with `more` (a page's applied knowledge).
 * A target holding or having sent the previous version so takes either by rule 2 of 2.2, without a conflict.
 */
export function movedKnowledge(previous: { state: SyncState; knowledge?: Digest }, priority: Priority, more?: Digest): Digest {
  const self: Digest = { entries: [{ endpoint: previous.state.endpoint, tick: previous.state.tick + 1, stamp: previous.state.stamp, conflictPriority: priority }] };
  return knowledgeOnRestamp(previous.knowledge, more, self);
}

/** A value as compared: strings (dates, timestamps, texts), exact decimals, booleans; null when absent. */
type Scalar = { t: 'text'; v: string } | { t: 'number'; v: Decimal } | { t: 'boolean'; v: boolean } | null;

/** An exact decimal: digits * 10^-scale. */
interface Decimal {
  digits: bigint;
  scale: number;
}

function decimalOf(text: string): Decimal | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  const digits = BigInt(`${m[2] || '0'}${frac}`);
  return { digits: m[1] === '-' ? -digits : digits, scale: frac.length };
}

function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.digits * 10n ** BigInt(scale - a.scale);
  const y = b.digits * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Code point order (what the "C" collation compares): UTF-16 code units order astral characters wrongly. */
function compareTexts(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
}

function scalarOf(raw: unknown, type: Value['type']): Scalar {
  if (raw === null || raw === undefined) return null;
  if (type === 'number') {
    const d = typeof raw === 'number' ? decimalOf(String(raw)) : typeof raw === 'string' ? decimalOf(raw) : undefined;
    return d ? { t: 'number', v: d } : null;
  }
  if (type === 'boolean') return typeof raw === 'boolean' ? { t: 'boolean', v: raw } : null;
  return typeof raw === 'string' ? { t: 'text', v: raw } : null;
}

function valueOf(v: Value, values: ResourceValues): Scalar {
  switch (v.k) {
    case 'const':
      return scalarOf(v.value, v.type);
    case 'field':
      // Partitions name the kind's own scalar properties only (no references followed).
      return v.field.refs.length > 0 ? null : scalarOf(values[v.field.name], v.type);
    case 'neg': {
      const x = valueOf(v.arg, values);
      return x?.t === 'number' ? { t: 'number', v: { digits: -x.v.digits, scale: x.v.scale } } : null;
    }
    case 'arith':
      // Partitions hold no arithmetic (refused when the configuration is checked).
      return null;
    case 'condition':
      return { t: 'boolean', v: holds(v.condition, values) };
  }
}

function compare(a: NonNullable<Scalar>, b: NonNullable<Scalar>): number {
  if (a.t === 'number' && b.t === 'number') return compareDecimals(a.v, b.v);
  if (a.t === 'text' && b.t === 'text') return compareTexts(a.v, b.v);
  if (a.t === 'boolean' && b.t === 'boolean') return a.v === b.v ? 0 : a.v ? 1 : -1;
  return NaN;
}

/** SQL LIKE without an escape character: % any run of characters, _ one character. */
function likes(text: string, pattern: string): boolean {
  const re = [...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&'))).join('');
  return new RegExp(`^${re}$`, 'su').test(text);
}

/** Whether a condition holds for these values (two-valued, as the SQL of src/store/querySql.ts). */
export function holds(c: Condition, values: ResourceValues): boolean {
  switch (c.k) {
    case 'constant':
      return c.value;
    case 'compare': {
      const l = valueOf(c.left, values);
      const r = valueOf(c.right, values);
      if (!l || !r) return false;
      const d = compare(l, r);
      switch (c.op) {
        case 'eq':
          return d === 0;
        case 'ne':
          return d !== 0 && !Number.isNaN(d);
        case 'lt':
          return d < 0;
        case 'le':
          return d <= 0;
        case 'gt':
          return d > 0;
        case 'ge':
          return d >= 0;
      }
      return false;
    }
    case 'like': {
      const a = valueOf(c.arg, values);
      const p = valueOf(c.pattern, values);
      return a?.t === 'text' && p?.t === 'text' && likes(a.v, p.v);
    }
    case 'between': {
      const a = valueOf(c.arg, values);
      const lo = valueOf(c.low, values);
      const hi = valueOf(c.high, values);
      return !!a && !!lo && !!hi && compare(a, lo) >= 0 && compare(a, hi) <= 0;
    }
    case 'in': {
      const a = valueOf(c.arg, values);
      return !!a && c.items.some((item) => {
        const v = valueOf(item, values);
        return !!v && compare(a, v) === 0;
      });
    }
    case 'isNull':
      return (valueOf(c.arg, values) === null) !== c.negated;
    case 'isTrue': {
      const v = valueOf(c.arg, values);
      return v?.t === 'boolean' && v.v;
    }
    case 'not':
      return !holds(c.arg, values);
    case 'and':
      return holds(c.left, values) && holds(c.right, values);
    case 'or':
      return holds(c.left, values) || holds(c.right, values);
  }
}

/**
 * Whether a page posted by a principal reaching only the partitions `reachable` may store a version
 * (PROTOCOL.md 3.3): not when the version falls in a partition the principal does not reach (it would land
 * there), nor when such a partition holds the resource live (the version would replace or delete it there).
 * `fallsIn`: the partition the version falls in (undefined for a delete, or one falling in none or several:
 * 2.9 decides those); `heldLiveBy`: the partition holding the resource live, when another than the page's.
 */
export function pageVersionInScope<P>(reachable: ReadonlySet<P>, fallsIn: P | undefined, heldLiveBy: P | undefined): boolean {
  return (fallsIn === undefined || reachable.has(fallsIn)) && (heldLiveBy === undefined || reachable.has(heldLiveBy));
}
