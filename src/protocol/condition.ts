/**
 * A `where` condition checked against a kind's properties (the query language's typed tree): every value
 * has a type, and every condition is two-valued (true or false, never unknown), which is how null and
 * missing properties behave:
 *
 * - `x eq null` is true when x is null or missing, `x ne null` when it is present and not null;
 * - every other comparison (eq, ne, lt, le, gt, ge, between, in, like) with a null or missing operand is
 *   false: `name ne 'ACME'` holds for resources that have a name and it is not ACME;
 * - `not c` is true exactly when c is false: `not (name eq 'ACME')` also holds when there is no name;
 * - arithmetic with a null operand, and division or modulus by zero, is null (so comparing it is false).
 *
 * Numbers are exact decimals (integer and decimal properties alike); dates and timestamps compare in time
 * order; strings compare by Unicode code point, case-sensitively.
 *
 * The tree is made by src/query/check.ts, turned into SQL by src/store/querySql.ts and evaluated over a
 * resource's values by src/protocol/partitions.ts (partition membership).
 */

export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'mod';
export type ComparisonOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type ScalarFieldType = 'string' | 'number' | 'boolean' | 'date' | 'datetime';
export type ValueType = ScalarFieldType | 'reference';

/** A property reached through zero or more references: `account.name` is refs [account→accounts], name. */
export interface FieldPath {
  refs: { property: string; kind: string }[];
  name: string;
}

export type Value =
  /** A non-null literal: numbers as exact decimal text, dates as `YYYY-MM-DD`, timestamps as ISO UTC. */
  | { k: 'const'; type: ValueType; value: string | boolean }
  | { k: 'field'; type: ValueType; field: FieldPath }
  | { k: 'neg'; type: 'number'; arg: Value }
  | { k: 'arith'; type: 'number'; op: ArithmeticOp; left: Value; right: Value }
  | { k: 'condition'; type: 'boolean'; condition: Condition };

export type Condition =
  | { k: 'constant'; value: boolean }
  | { k: 'compare'; op: ComparisonOp; left: Value; right: Value }
  | { k: 'like'; arg: Value; pattern: Value }
  | { k: 'between'; arg: Value; low: Value; high: Value }
  | { k: 'in'; arg: Value; items: Extract<Value, { k: 'const' }>[] }
  | { k: 'isNull'; arg: Value; negated: boolean }
  | { k: 'isTrue'; arg: Value }
  | { k: 'not'; arg: Condition }
  | { k: 'and' | 'or'; left: Condition; right: Condition };
