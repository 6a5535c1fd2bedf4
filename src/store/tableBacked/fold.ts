/**
 * Folding a table-backed endpoint's change log into its sync states (foldSql.ts), before the endpoint is
 * read. Who folds, and when:
 *   - every request at a table-backed endpoint, before its handler runs (endpoint/router.ts);
 *   - a transaction that changes a table-backed endpoint, right after it takes the endpoint's clock lock:
 *     every capture that committed before is then in the log, and none can commit until this transaction
 *     does (capture takes the same lock), so the transaction decides on the current state of every row;
 *   - a `$syncSource` selection, after it reads its ceiling: every tick below the ceiling is then folded
 *     before a page is read.
 * A plain endpoint (no table) has no log: nothing is done.
 */
import type { DbOrTx } from '../db';
import { FOLD_FUNCTION } from './foldSql';
import { qualified } from './sqlText';
import type { TableMapping } from './mapping';

export async function foldCapturedChanges(db: DbOrTx, table: { mapping: Pick<TableMapping, 'adapterSchema'> } | undefined): Promise<void> {
  if (!table) return;
  await db.raw(`SELECT ${qualified(table.mapping.adapterSchema, FOLD_FUNCTION)}()`);
}
