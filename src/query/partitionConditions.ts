/**
 * The checked conditions of a kind's partitions (PROTOCOL.md 2.9): each `where` of `kinds[].partitions`
 * parsed and type-checked against the kind's scalar properties only (no references, no `$key`/`$uuid`, no
 * arithmetic), so that membership (src/protocol/partitions.ts#partitionOf) and the SQL of a query agree.
 * A bad expression is a configuration problem naming it, reported when the server starts.
 */
import type { ApplicationConfig, Config, KindConfig } from '../config/schema';
import type { Condition, Value } from '../protocol/condition';
import { checkWhere } from './check';
import { QueryError } from './errors';
import { parseWhere } from './parser';
import { kindQuerySchema } from './kindSchema';
import type { QuerySchema } from './typed';

const checked = new WeakMap<KindConfig, Condition[]>();

/** The scalar properties of a kind, as a partition may name them. */
function scalarSchema(app: ApplicationConfig, kind: KindConfig): QuerySchema {
  const all = kindQuerySchema(app, kind);
  const fields = Object.fromEntries(Object.entries(all.fields).filter(([name, f]) => f.type !== 'reference' && kind.properties[name] !== undefined));
  return { kind: kind.name, fields };
}

function hasArithmetic(c: Condition): boolean {
  const inValue = (v: Value): boolean => v.k === 'arith' || (v.k === 'neg' && inValue(v.arg)) || (v.k === 'condition' && hasArithmetic(v.condition));
  switch (c.k) {
    case 'constant':
      return false;
    case 'compare':
      return inValue(c.left) || inValue(c.right);
    case 'like':
      return inValue(c.arg) || inValue(c.pattern);
    case 'between':
      return inValue(c.arg) || inValue(c.low) || inValue(c.high);
    case 'in':
    case 'isNull':
    case 'isTrue':
      return inValue(c.arg);
    case 'not':
      return hasArithmetic(c.arg);
    case 'and':
    case 'or':
      return hasArithmetic(c.left) || hasArithmetic(c.right);
  }
}

/** One partition's condition; throws QueryError naming the problem. */
function partitionCondition(where: string, schema: QuerySchema): Condition {
  const condition = checkWhere(parseWhere(where), schema);
  if (hasArithmetic(condition)) throw new QueryError('where', 1, 'a partition compares properties with values: no arithmetic');
  return condition;
}

/**
 * The conditions of a kind's partitions, in configuration order (empty for a kind without partitions).
 * Throws when one does not check: the server refuses such a configuration at start (partitionProblems).
 */
export function partitionConditions(app: ApplicationConfig, kind: KindConfig): Condition[] {
  const known = checked.get(kind);
  if (known) return known;
  const schema = scalarSchema(app, kind);
  const conditions = (kind.partitions ?? []).map((p) => partitionCondition(p.where, schema));
  checked.set(kind, conditions);
  return conditions;
}

/** Every partition expression of a configuration that does not check, as configuration problem lines. */
export function partitionProblems(cfg: Config): string[] {
  return cfg.applications.flatMap((app, ai) =>
    app.kinds.flatMap((kind, ki) => {
      const schema = scalarSchema(app, kind);
      return (kind.partitions ?? []).flatMap((p, pi) => {
        try {
          partitionCondition(p.where, schema);
          return [];
        } catch (err) {
          if (!(err instanceof QueryError)) throw err;
          return [`applications.${ai}.kinds.${ki}.partitions.${pi}.where: "${p.where}": ${err.problem} at position ${err.position}`];
        }
      });
    }),
  );
}
