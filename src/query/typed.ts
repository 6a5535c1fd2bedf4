/**
 * What a query may name on a kind (its fields) and the typed tree a checked `where` gives
 * (src/protocol/condition.ts, where its null semantics are stated).
 */
import type { ScalarFieldType } from '../protocol/condition';

export type { ArithmeticOp, ComparisonOp, Condition, FieldPath, ScalarFieldType, Value, ValueType } from '../protocol/condition';

/** A property as a query sees it. */
export type QueryField = { type: ScalarFieldType } | { type: 'reference'; kind: string };

/** The queryable properties of one kind (or listing), and the kinds its references point at. */
export interface QuerySchema {
  kind: string;
  fields: Readonly<Record<string, QueryField>>;
  /** The schema of a kind a reference points at; undefined when member access is not offered. */
  referenced?: (kind: string) => QuerySchema | undefined;
}
