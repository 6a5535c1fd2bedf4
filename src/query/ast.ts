/**
 * The SData query language (core 2.12) as a tree, before it is checked against a kind's properties.
 * Every node carries `pos`: the 1-based character position in the `where` text where it starts, which is
 * what a 400 answer points at.
 */

type LiteralType = 'string' | 'integer' | 'decimal' | 'date' | 'datetime' | 'boolean' | 'null';

import type { ArithmeticOp, ComparisonOp } from '../protocol/condition';

export type { ArithmeticOp, ComparisonOp };
type LogicalOp = 'and' | 'or';

export type Expr =
  /** `'text'`, `17`, `17.0`, `@2008-01-01@`, `true`, `null`: decimals and integers keep their text. */
  | { k: 'literal'; type: LiteralType; value: string | boolean | null; pos: number }
  /** `name`, `account.name`, `$key`: member access is a path of names. */
  | { k: 'member'; path: string[]; pos: number }
  | { k: 'neg'; arg: Expr; pos: number }
  | { k: 'not'; arg: Expr; pos: number }
  | { k: 'arith'; op: ArithmeticOp; left: Expr; right: Expr; pos: number }
  | { k: 'compare'; op: ComparisonOp; left: Expr; right: Expr; pos: number }
  | { k: 'like'; arg: Expr; pattern: Expr; pos: number }
  | { k: 'between'; arg: Expr; low: Expr; high: Expr; pos: number }
  | { k: 'in'; arg: Expr; items: Expr[]; pos: number }
  | { k: 'logical'; op: LogicalOp; left: Expr; right: Expr; pos: number };
