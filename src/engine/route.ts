/** A configured route's name (its runName) and identity (its lock key). */
import type { RouteConfig } from '../config/engineSchema';

export function routeName(route: RouteConfig): string {
  return route.name ?? `${route.source} -> ${route.target}`;
}

/** What identifies a route for locking: the same endpoints, kinds and direction are the same route. */
export function routeKey(route: Pick<RouteConfig, 'source' | 'target' | 'direction' | 'kinds'>): string {
  const ends = route.direction === 'bothWays' ? [route.source, route.target].sort() : [route.source, route.target];
  return JSON.stringify({ ends, direction: route.direction, kinds: route.kinds ? [...route.kinds].sort() : null });
}
