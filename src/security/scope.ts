/**
 * The scope of a principal: which partitions of which kinds it may reach, from its `partitions` (a user's
 * configuration, or a token's claim in the same shape). Pure; the endpoint server applies it in one place
 * below every route (endpoint/scoped.ts), after the role table has let the request in.
 *
 *   principal without partitions ──> every row of every kind (what its roles give)
 *   principal with partitions, a kind K of an endpoint:
 *     K listed    ──> the listed expressions that are partitions of K (canonically equal); none may be left
 *     K unlisted  ──> every row when K is not partitioned, nothing when it is
 *
 * An expression that is not a partition of the kind, or that does not even parse, grants nothing (a token
 * may claim anything; the configuration's are checked at load, config/schema.ts); so does a kind's entry
 * that is not a list of strings. A kind listed but not partitioned grants nothing either: its listed
 * expressions name no partition. Both a configured user and a bearer token's partitions claim give the
 * principal its `partitions`; nothing here knows which.
 */
import type { Principal } from './policy';

/** A kind as a scope sees it: its name and its partitions' canonical expressions (none: not partitioned). */
export interface ScopedKind {
  name: string;
  partitions: readonly string[];
}

/** `all`: every row of the kind; else the canonical expressions of the partitions that may be reached. */
export type AllowedPartitions = 'all' | ReadonlySet<string>;

/** The canonical form of a partition's expression; undefined for one that does not parse. */
export type Canonicaliser = (expression: string) => string | undefined;

export interface Scope {
  /** True for a principal without partitions: nothing is held back. */
  readonly unrestricted: boolean;
  allowedPartitions(kind: ScopedKind): AllowedPartitions;
}

export const UNRESTRICTED: Scope = { unrestricted: true, allowedPartitions: () => 'all' };

/** The scope `partitions` give, their expressions read with `canonical`. */
export function scopeOf(partitions: Principal['partitions'], canonical: Canonicaliser): Scope {
  if (partitions === undefined) return UNRESTRICTED;
  const granted = new Map<string, Set<string>>();
  for (const [kind, expressions] of Object.entries(partitions as Record<string, unknown>)) {
    // A token's claim is read as it comes: anything but a list of strings grants nothing.
    const texts = Array.isArray(expressions) ? expressions.filter((e): e is string => typeof e === 'string') : [];
    granted.set(kind, new Set(texts.map(canonical).filter((c): c is string => c !== undefined)));
  }
  const allowedOf = (kind: ScopedKind): AllowedPartitions => {
    const listed = granted.get(kind.name);
    if (listed === undefined) return kind.partitions.length === 0 ? 'all' : new Set();
    return new Set(kind.partitions.filter((p) => listed.has(p)));
  };
  // Worked out once per kind object (a server hands the same one for every request of an endpoint).
  const known = new WeakMap<ScopedKind, AllowedPartitions>();
  return {
    unrestricted: false,
    allowedPartitions(kind) {
      let allowed = known.get(kind);
      if (allowed === undefined) {
        allowed = allowedOf(kind);
        known.set(kind, allowed);
      }
      return allowed;
    },
  };
}

/** True when the scope reaches the partition `partition` (canonical) of the kind; undefined: the kind's rows outside any partition. */
export function reaches(allowed: AllowedPartitions, partition: string | undefined): boolean {
  if (allowed === 'all') return true;
  return partition !== undefined && allowed.has(partition);
}
