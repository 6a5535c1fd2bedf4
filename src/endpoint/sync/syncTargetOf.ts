/** The endpoint as the apply code sees it (`$syncTarget`, a two-phase batch, `$failures` retries, referencing retries). */
import type { SyncTarget } from '../../store/syncApply';
import type { ServiceContext } from '../serviceContext';

export function syncTargetOf(ctx: ServiceContext): SyncTarget {
  return { id: ctx.endpoint.id, url: ctx.endpoint.url, priority: ctx.endpoint.def.priority, keys: ctx.endpoint.def.keys, table: ctx.endpoint.table };
}
