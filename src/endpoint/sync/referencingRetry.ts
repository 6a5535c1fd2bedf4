/**
 * A table-backed endpoint's application table cannot hold a reference to a row that is not there: such an
 * entry is quarantined (ReferenceNotFound). When a page lands at the endpoint of the referenced kind, the open
 * quarantined entries of every endpoint whose table references that kind are tried again in the same
 * transaction, so the entry is applied as soon as the row it references arrives, whatever page comes next.
 */
import type { RegisteredEndpoint } from '../../store/endpoints';
import type { Tx } from '../../store/db';
import { retryOpenIn, type PageToApply } from '../../store/syncApply';
import { hasOpenFailures } from '../../store/failures';
import type { ServiceContext } from '../serviceContext';
import { decodeEntry, type QuarantinedEntry } from './decodeEntries';
import { syncTargetOf } from './syncTargetOf';

/** The table-backed endpoints of the same store whose tables reference this endpoint's kind. */
function referencingEndpoints(ctx: ServiceContext): RegisteredEndpoint[] {
  const { endpoint } = ctx;
  if (!endpoint.table) return [];
  return ctx.runtime.catalog.endpoints.filter((e) => e.db === endpoint.db && e !== endpoint && e.table && Object.values(e.table.referenced).includes(endpoint.id));
}

/**
 * Tries the open quarantined entries of the referencing endpoints again, inside the page's transaction; an
 * endpoint with none costs one index probe.
 */
export async function retryReferencing(trx: Tx, ctx: ServiceContext, run: Pick<PageToApply, 'runName' | 'runStamp'>): Promise<void> {
  for (const e of referencingEndpoints(ctx)) {
    if (!(await hasOpenFailures(trx, e.id))) continue;
    await retryOpenIn(trx, syncTargetOf({ ...ctx, endpoint: e }), (q) => decodeEntry(q as QuarantinedEntry, e.def), run);
  }
}
