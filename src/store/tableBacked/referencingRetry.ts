/**
 * A table-backed endpoint's application table cannot hold a reference to a row that is not there: such an
 * entry is quarantined (ReferenceNotFound). When a page lands at the endpoint of the referenced kind, the open
 * quarantined entries of every endpoint whose table references that kind are tried again in the same
 * transaction, so the entry is applied as soon as the row it references arrives, whatever page comes next.
 */
import type { Tx } from '../db';
import type { RegisteredEndpoint } from '../endpoints';
import { hasOpenFailures } from '../failures';
import { applyPage, type RunNames } from '../syncApply';
import { RETRIES_ONLY } from '../../protocol/pagePlan';

/** The table-backed endpoints of the same store (among `endpoints`) whose tables reference this endpoint's kind. */
function referencingEndpoints(endpoint: RegisteredEndpoint, endpoints: readonly RegisteredEndpoint[]): RegisteredEndpoint[] {
  if (!endpoint.table) return [];
  return endpoints.filter((e) => e.db === endpoint.db && e !== endpoint && e.table && Object.values(e.table.referenced).includes(endpoint.id));
}

/**
 * Tries the open quarantined entries of the endpoints referencing `endpoint` again, inside the page's
 * transaction (no entry, not a last page: no digest moves); an endpoint with none costs one index probe.
 */
export async function retryReferencing(trx: Tx, endpoint: RegisteredEndpoint, endpoints: readonly RegisteredEndpoint[], run: RunNames): Promise<void> {
  for (const e of referencingEndpoints(endpoint, endpoints)) {
    if (!(await hasOpenFailures(trx, e.id))) continue;
    await applyPage(trx, e, RETRIES_ONLY, { retry: 'open', run });
  }
}
