/**
 * The route of a request as the role table names it (security/roles.ts), from the URL grammar of path.ts:
 *
 *   /sdata                               /sdata
 *   /sdata/crm                           /sdata/{app}
 *   /sdata/crm/test                      /sdata/{app}/{contract}
 *   /sdata/crm/test/-                    {dataset}
 *   /sdata/crm/test/-/$schema            {dataset}/$schema
 *   /sdata/crm/test/-/accounts           {ep}
 *   .../accounts('A1')                   {ep}('KEY')
 *   .../accounts/$syncSource('x')        {ep}/$syncSource('ID')
 *   .../accounts/$conflicts('4')/$resolve {ep}/$conflicts('ID')/$resolve
 *   any other path                       itself (/, /healthz, ...)
 *
 * A path the grammar refuses throws its 400/404 diagnosis (as the router would).
 */
import type { RouteOf } from '../security/accessControl';
import { decodeSegment, parseSDataPath } from './path';

const SHORT_SDATA = ['/sdata', '/sdata/{app}', '/sdata/{app}/{contract}'];

export function endpointRouteOf(pathname: string): RouteOf {
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments[0] !== 'sdata') return { pattern: pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname };
  if (segments.length < 4) return { pattern: SHORT_SDATA[segments.length - 1], app: segments.length > 1 ? decodeSegment(segments[1]) : undefined };
  const path = parseSDataPath(pathname)!;
  let pattern = path.kind === undefined ? '{dataset}' : '{ep}';
  if (path.key !== undefined) pattern += "('KEY')";
  if (path.service !== undefined) pattern += `/${path.service}${path.serviceArg !== undefined ? "('ID')" : ''}`;
  if (path.action !== undefined) pattern += `/${path.action}`;
  return { pattern, app: path.app };
}
