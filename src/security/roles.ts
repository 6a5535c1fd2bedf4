/**
 * Who may call what: the role each route needs, as one table per server (pure, no I/O).
 *
 *   read    GET of resources, feeds, $schema, $syncDigest, $conflicts, $failures, $syncResults
 *   write   POST, PUT, DELETE of resources, $batch
 *   sync    $syncSource, $syncTarget, posting $syncResults, deleting contexts: what an engine needs
 *   admin   PUT $syncDigest, $resolve, $retry, and everything the other roles may do
 *   metrics GET /metrics only (what a Prometheus scraper needs; `read` grants it too)
 *
 * Roles are independent except admin, which implies every other: `write` does not imply `read` (an
 * integrator that only posts gets `[write]`; a user who edits what they see gets `[read, write]`). A route
 * may name several roles, any of which grants it: the engine (`sync`) reads `$syncDigest`, `$schema` and
 * the `$syncNotify` stream of immediate and watch routes, which readers may read too.
 *
 * A route is written `METHOD pattern`, the pattern naming the parts of an SData URL: `{ep}` is an endpoint
 * `/sdata/{app}/{contract}/{dataset}/{kind}`, `{dataset}` is `/sdata/{app}/{contract}/{dataset}`, `('KEY')`
 * a resource key and `('ID')` the argument of a service. HEAD is checked as GET. A route that is not in its
 * table is refused for everyone (answered 404, or 405 when the URL is there for other methods): adding a
 * route is adding its line here.
 */
import type { ROLES } from '../config/securitySchema';

export type Role = (typeof ROLES)[number];
/** `public`: answered without credentials (health checks); a list: any of these roles. */
export type Access = Role | readonly Role[] | 'public';
export type RoleTable = Readonly<Record<string, Access>>;

export const ENDPOINT_ROUTES: RoleTable = {
  'GET /': 'public',
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': ['read', 'metrics'],
  'GET /sdata': 'read',
  'GET /sdata/{app}': 'read',
  'GET /sdata/{app}/{contract}': 'read',
  'GET {dataset}': 'read',
  'GET {dataset}/$schema': ['read', 'sync'],

  'GET {ep}': 'read',
  'POST {ep}': 'write',
  "GET {ep}('KEY')": 'read',
  "PUT {ep}('KEY')": 'write',
  "DELETE {ep}('KEY')": 'write',
  'POST {ep}/$batch': 'write',
  'GET {ep}/$schema': ['read', 'sync'],
  'GET {ep}/$template': 'read',

  'GET {ep}/$syncDigest': ['read', 'sync'],
  'PUT {ep}/$syncDigest': 'admin',
  'GET {ep}/$syncNotify': ['read', 'sync'],
  'POST {ep}/$syncSource': 'sync',
  "GET {ep}/$syncSource('ID')": 'sync',
  "DELETE {ep}/$syncSource('ID')": 'sync',
  'POST {ep}/$syncTarget': 'sync',
  "GET {ep}/$syncTarget('ID')": 'sync',
  "DELETE {ep}/$syncTarget('ID')": 'sync',
  "POST {ep}/$syncTarget('ID')/$commit": 'sync',
  "POST {ep}/$syncTarget('ID')/$abort": 'sync',
  'POST {ep}/$syncResults': 'sync',
  'GET {ep}/$syncResults': 'read',
  'GET {ep}/$conflicts': 'read',
  "GET {ep}/$conflicts('ID')": 'read',
  "POST {ep}/$conflicts('ID')/$resolve": 'admin',
  'GET {ep}/$failures': 'read',
  "GET {ep}/$failures('ID')": 'read',
  "POST {ep}/$failures('ID')/$retry": 'admin',
};

export const LOGGER_ROUTES: RoleTable = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': ['read', 'metrics'],
  'POST /logs/$syncResults': 'sync',
  'GET /logs/runs': 'read',
  'GET /logs/events': 'read',
  'GET /dashboard': 'read',
  'GET /dashboard/dashboard.js': 'read',
  'GET /dashboard/dashboard.css': 'read',
  'GET /dashboard/data': 'read',
  // Forwarded to the endpoint with the caller's own credentials: the endpoint checks admin.
  'POST /dashboard/resolve': 'read',
  'POST /dashboard/retry': 'read',
  // Forwarded to the engine listener with the caller's own credentials: the engine checks sync.
  'POST /dashboard/route': 'read',
};

/**
 * The engine's HTTP listener: health probes, metrics, and what an outside scheduler needs: the routes with
 * their state and lag, running one now, pausing and resuming its schedule (`sync`, as the engine itself needs at the endpoints), and the status
 * of such a run. `{name}` is a configured route name and `{id}` a run id.
 */
export const ENGINE_ROUTES: RoleTable = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': ['read', 'metrics'],
  'GET /routes': ['read', 'sync'],
  'POST /routes/{name}/$run': 'sync',
  'POST /routes/{name}/$pause': 'sync',
  'POST /routes/{name}/$resume': 'sync',
  'GET /routes/{name}/runs/{id}': ['read', 'sync'],
};

const asListed = (method: string): string => (method === 'HEAD' ? 'GET' : method);

/** What calling `method` on the route `pattern` needs; undefined when the table does not list it (refused). */
export function requiredAccess(table: RoleTable, method: string, pattern: string): Access | undefined {
  return Object.hasOwn(table, `${asListed(method)} ${pattern}`) ? table[`${asListed(method)} ${pattern}`] : undefined;
}

/** The methods the table lists for a route pattern (empty when the pattern is not a route). */
export function listedMethods(table: RoleTable, pattern: string): string[] {
  return Object.keys(table)
    .filter((route) => route.slice(route.indexOf(' ') + 1) === pattern)
    .map((route) => route.slice(0, route.indexOf(' ')));
}

/** True when holding `roles` grants `needed` (admin implies every role). */
export function rolesGrant(roles: readonly Role[], needed: Access): boolean {
  if (needed === 'public' || roles.includes('admin')) return true;
  return typeof needed === 'string' ? roles.includes(needed) : needed.some((r) => roles.includes(r));
}

/** `the role read` / `one of the roles read, sync`, for messages. */
export function describeAccess(needed: Exclude<Access, 'public'>): string {
  return typeof needed === 'string' ? `the role ${needed}` : `one of the roles ${needed.join(', ')}`;
}
