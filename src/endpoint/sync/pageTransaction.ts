/**
 * The one transaction a sync page is applied in (`$syncTarget`, `$failures('ID')/$retry`): the page's data,
 * digest and quarantine commit with what the handler stores beside them (PROTOCOL.md 2.3). When the database
 * breaks a lock cycle by rolling the transaction back (e.g. with an application's own statements on a
 * table-backed endpoint's rows), nothing of the page was kept and the same page can come again: 503 Transient.
 */
import { SDataError } from '../../protocol/diagnosis';
import type { Db, Tx } from '../../store/db';

export async function inPageTransaction<T>(db: Db, work: (trx: Tx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(work);
  } catch (err) {
    const code = (err as { code?: string })?.code;
    if (code !== '40P01' && code !== '40001') throw err;
    throw new SDataError(503, { severity: 'Transient', sdataCode: 'ApplicationUnavailable', applicationCode: code === '40P01' ? 'Deadlock' : 'SerializationFailure', message: 'the page met concurrent writes of the same rows and was rolled back; nothing of it was applied, send it again' });
  }
}
