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
import { isDatasetPath, parseSDataPath } from './path';

/** The patterns of the intermediate URLs above a dataset, by how many of app and contract they name. */
const UPPER = ['/sdata', '/sdata/{app}', '/sdata/{app}/{contract}'];

export function endpointRouteOf(pathname: string): RouteOf {
  const path = parseSDataPath(pathname);
  if (!path) return { pattern: pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname };
  if (!isDatasetPath(path)) return { pattern: UPPER[path.contract !== undefined ? 2 : path.app !== undefined ? 1 : 0], app: path.app };
  let pattern = path.kind === undefined ? '{dataset}' : '{ep}';
  if (path.key !== undefined) pattern += "('KEY')";
  if (path.service !== undefined) pattern += `/${path.service}${path.serviceArg !== undefined ? "('ID')" : ''}`;
  if (path.action !== undefined) pattern += `/${path.action}`;
  return { pattern, app: path.app };
}
