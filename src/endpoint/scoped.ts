/**
 * Scopes applied to requests (PROTOCOL.md 3.3): the one place, below every route, where the partitions of
 * the request's principal (security/scope.ts) meet the endpoints. The router resolves the endpoint a URL
 * names and asks here whether the principal may use it at all (`refuseOutOfScope`); a partitioned kind's
 * URL is then read and written over the partitions the principal may reach only (`scopedEndpoint`, the
 * `scope` of the kind's partition set: the store finds no resource of another partition, and refuses a
 * write landing in one).
 *
 *   endpoint of the request
 *     ├─ $schema, $template (what a kind is, no rows) ───────────────────────> as usual
 *     ├─ a partition P: P reachable? ── no ──> 403 OutOfScope
 *     ├─ a partitioned kind's URL ──> its reachable partitions (maybe none): feeds, count, reads, writes
 *     └─ an unpartitioned kind: every row reachable? ── no ──> 403 OutOfScope
 */
import type { Response } from 'express';
import { SDataError } from '../protocol/diagnosis';
import { canonicalWhere } from '../protocol/partitions';
import { requestPrincipal } from '../security/accessControl';
import type { Principal } from '../security/policy';
import { scopeOf, UNRESTRICTED, type AllowedPartitions, type Scope, type ScopedKind } from '../security/scope';
import type { RegisteredEndpoint } from '../store/endpoints';

/** Services that describe a kind without reading any row: answered whatever the scope. */
const DESCRIPTIONS = new Set(['$schema', '$template']);

/** A principal's scope, read once per principal object (a configured user's is the same object every time). */
const scopes = new WeakMap<Principal, Scope>();

/** The scope of the request's principal; unrestricted for a public route. */
export function requestScope(res: Response): Scope {
  const principal = requestPrincipal(res);
  if (!principal?.partitions) return UNRESTRICTED;
  let scope = scopes.get(principal);
  if (!scope) {
    scope = scopeOf(principal.partitions, canonicalWhere);
    scopes.set(principal, scope);
  }
  return scope;
}

/** Scoped kinds by kind configuration: one object per kind, so that a scope works out each kind once. */
const scopedKinds = new WeakMap<RegisteredEndpoint['def']['kind'], ScopedKind>();

/** The kind of an endpoint as a scope sees it: its name and its partitions' expressions in their one spelling. */
export function scopedKindOf(endpoint: RegisteredEndpoint): ScopedKind {
  const { kind } = endpoint.def;
  let scoped = scopedKinds.get(kind);
  if (!scoped) {
    scoped = { name: kind.name, partitions: (kind.partitions ?? []).map((p) => canonicalWhere(p.where)) };
    scopedKinds.set(kind, scoped);
  }
  return scoped;
}

/** The partitions of the endpoint's kind the scope reaches. */
export function allowedOf(scope: Scope, endpoint: RegisteredEndpoint): AllowedPartitions {
  return scope.unrestricted ? 'all' : scope.allowedPartitions(scopedKindOf(endpoint));
}

/** Who makes the request, for diagnoses. */
function whoOf(res: Response): string {
  const user = requestPrincipal(res)?.user;
  return user ? `user '${user}'` : 'an anonymous caller';
}

function outOfScope(res: Response, what: string): SDataError {
  return new SDataError(403, { sdataCode: 'Forbidden', applicationCode: 'OutOfScope', message: `${whoOf(res)} may not use ${what}: it is outside the partitions the user is given` });
}

/**
 * Refuses (403 OutOfScope) a request naming an endpoint the principal may not use: a partition it does not
 * reach, or an unpartitioned kind it does not reach whole. A partitioned kind's own URL passes: it is read
 * and written over the reachable partitions only. `service`: the `$service` of the URL, if any.
 */
export function refuseOutOfScope(res: Response, endpoint: RegisteredEndpoint, service: string | undefined): void {
  const scope = requestScope(res);
  if (scope.unrestricted || (service !== undefined && DESCRIPTIONS.has(service))) return;
  const allowed = allowedOf(scope, endpoint);
  if (allowed === 'all') return;
  const { partition } = endpoint.def;
  if (partition) {
    if (!allowed.has(partition.where)) throw outOfScope(res, `the partition ${endpoint.url}`);
    return;
  }
  if ((endpoint.def.kind.partitions ?? []).length === 0) throw outOfScope(res, endpoint.url);
}

/**
 * The endpoint as the request reaches it: a partitioned kind's URL, or one of its partitions' (which
 * passed refuseOutOfScope), with the partition set narrowed to the partitions the scope reaches (reads and
 * writes find those partitions' resources only, readableIds; a write into another is refused in its
 * transaction, store/partitionSet.ts#refuseUnreachable; a page at the partition quarantines a version
 * landing in or replacing a resource of another, store/partitionPages.ts#outOfScope). Any other endpoint
 * is returned as it is.
 */
export function scopedEndpoint(res: Response, endpoint: RegisteredEndpoint): RegisteredEndpoint {
  const set = endpoint.partitions;
  if (!set) return endpoint;
  const scope = requestScope(res);
  if (scope.unrestricted) return endpoint;
  const allowed = allowedOf(scope, endpoint);
  if (allowed === 'all') return endpoint;
  const reachable = new Set(set.members.filter((m) => allowed.has(m.where)).map((m) => m.id));
  return { ...endpoint, partitions: { ...set, scope: { reachable, who: whoOf(res) } } };
}
