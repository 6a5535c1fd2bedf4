/**
 * Writing the application's own table of a table-backed endpoint, in the transaction that writes the
 * endpoint's resource versions (sync pages and local changes alike), so that the table and its sync state
 * never disagree.
 *
 * - The transaction-local setting `sdata_sync.applying = on` is set first: the capture trigger then leaves
 *   these writes alone (the caller writes the sync state they came with), so nothing is echoed back.
 * - Values become columns by name through `jsonb_populate_recordset(NULL::table, rows)`: PostgreSQL's own
 *   input functions turn the payload's JSON form (decimals and dates as text) into the column types.
 * - A reference travels as the UUID of the referenced resource and is written as that resource's local key
 *   (the foreign key), looked up in the referenced kind's endpoint of the same store; a referenced resource
 *   that is not here (or deleted) fails the entry with `ReferenceNotFound`.
 * - Happy path: one DELETE and one upsert per batch, inside a savepoint. When the application's schema
 *   refuses a batch (NOT NULL, CHECK, UNIQUE, foreign key, a value the column cannot hold), the savepoint is
 *   rolled back and the batch is written row by row, each in its own savepoint, so that only the offending
 *   entries fail, each with the database's message.
 */
import { SDataError, type Diagnosis } from '../../protocol/diagnosis';
import type { Tx } from '../db';
import type { TableMapping } from './mapping';
import { markApplying } from './captureSql';
import { ident, literal, qualified } from './sqlText';
import type { LiveTable } from './liveCheck';

/** What the store knows of a table-backed endpoint's table at run time. */
export interface AppTable {
  mapping: TableMapping;
  /** The table-backed endpoint itself (a kind may reference itself: a parent row in the same page). */
  endpointId: number;
  /** The endpoint (same store) of each reference property's kind, by property name. */
  referenced: Record<string, number>;
  /** SQL giving a new key for a row sync creates (the key column's default); undefined: the endpoint's key style. */
  keyDefault?: string;
}

/** One row to write: the resource's local key and its values (payload JSON), or its deletion. */
export interface AppRowChange {
  key: string;
  uuid: string;
  values: unknown;
  deleted: boolean;
}

const BATCH = 500;

/** Ends every statement on the application's table: what knex puts before the database's message ends here. */
const END_OF_STATEMENT = '/* end of statement */';

const tableName = (m: TableMapping): string => qualified(m.schema, m.table);

/**
 * Writes these changes to the application's table; answers the entries the table refused, by UUID, with
 * why. Entries not in the answer are written; refused ones change nothing.
 */
export async function writeAppRows(trx: Tx, table: AppTable, changes: AppRowChange[]): Promise<Map<string, Diagnosis[]>> {
  const failed = new Map<string, Diagnosis[]>();
  if (changes.length === 0) return failed;
  await markApplying(trx);
  const refKeys = await referencedKeys(trx, table, changes);
  const deletes: AppRowChange[] = [];
  const upserts: { change: AppRowChange; row: Record<string, unknown> }[] = [];
  for (const c of changes) {
    if (c.deleted) {
      deletes.push(c);
      continue;
    }
    const { row, missing } = rowOf(table.mapping, c, refKeys);
    if (missing.length > 0) failed.set(c.uuid, missing);
    else upserts.push({ change: c, row });
  }
  for (let i = 0; i < deletes.length; i += BATCH) {
    const part = deletes.slice(i, i + BATCH);
    await inBatchOrOneByOne(trx, part, (sp, rows) => deleteRows(sp, table.mapping, rows.map((c) => c.key)), failed);
  }
  for (let i = 0; i < upserts.length; i += BATCH) {
    const part = upserts.slice(i, i + BATCH).map((u) => ({ ...u.change, row: u.row }));
    await inBatchOrOneByOne(trx, part, (sp, rows) => upsertRows(sp, table.mapping, rows.map((r) => r.row)), failed);
  }
  return failed;
}

/**
 * Locks the application's rows of these resources (by UUID), in key order, before the caller takes the clock
 * lock. The capture trigger of an application's statement holds its rows and then waits for the clock;
 * taking the rows first too means a page and an application's statement on the same rows wait for each
 * other instead of deadlocking.
 */
export async function lockAppRows(trx: Tx, table: AppTable, uuids: string[]): Promise<void> {
  for (let i = 0; i < uuids.length; i += BATCH) {
    const keys: { local_key: string }[] = await trx('resources').select('local_key').where('endpoint_id', table.endpointId).whereIn('uuid', uuids.slice(i, i + BATCH));
    await lockAppRowKeys(trx, table, keys.map((r) => r.local_key));
  }
}

/** Locks the application's rows of these local keys, in key order (see lockAppRows). */
export async function lockAppRowKeys(trx: Tx, table: AppTable, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const m = table.mapping;
  const k = ident(m.key);
  await trx.raw(`SELECT 1 FROM ${tableName(m)} WHERE ${k} IN (SELECT r.${k} FROM jsonb_populate_recordset(NULL::${tableName(m)}, ?::jsonb) r) ORDER BY ${k} FOR UPDATE`, [
    JSON.stringify(keys.map((key) => ({ [m.key]: key }))),
  ]);
}

/** New keys for rows sync creates, from the key column's default (its sequence, usually). */
export async function allocateAppKeys(trx: Tx, table: AppTable, n: number): Promise<string[]> {
  if (!table.keyDefault) throw new Error(`allocateAppKeys: ${tableName(table.mapping)} has no key default`);
  const { rows } = await trx.raw<{ rows: { key: string }[] }>(`SELECT (${table.keyDefault})::text AS key FROM generate_series(1, ?::int)`, [n]);
  return rows.map((r) => r.key);
}

/**
 * The SQL that gives a new key for the table's key column, from the live check: its default (a serial's
 * `nextval(...)`, `gen_random_uuid()`, ...), or its identity sequence; undefined when it has neither.
 */
export function keyDefaultOf(live: LiveTable): string | undefined {
  const { mapping: m, key } = live;
  if (key.defaultExpr) return key.defaultExpr;
  if (key.identity) return `nextval(pg_get_serial_sequence(${literal(qualified(m.schema, m.table))}, ${literal(m.key)}))`;
  return undefined;
}

/** Local keys of the live resources the changes reference, by property and UUID (one query per reference property). */
async function referencedKeys(trx: Tx, table: AppTable, changes: AppRowChange[]): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const col of table.mapping.columns) {
    if (col.type !== 'reference') continue;
    const uuids = [...new Set(changes.map((c) => referenceUuid(c, col.property)).filter((u): u is string => !!u))];
    const keys = new Map<string, string>();
    const endpointId = table.referenced[col.property];
    for (let i = 0; i < uuids.length && endpointId !== undefined; i += BATCH) {
      const rows: { uuid: string; local_key: string }[] = await trx('resources')
        .select('uuid', 'local_key')
        .where({ endpoint_id: endpointId, deleted: false })
        .whereIn('uuid', uuids.slice(i, i + BATCH));
      for (const r of rows) keys.set(r.uuid, r.local_key);
    }
    // A reference to a row written with these changes (a kind referencing itself) holds its new key.
    if (endpointId === table.endpointId) for (const c of changes) if (!c.deleted) keys.set(c.uuid, c.key);
    out.set(col.property, keys);
  }
  return out;
}

function referenceUuid(c: AppRowChange, property: string): string | undefined {
  if (c.deleted) return undefined;
  const v = (c.values as Record<string, unknown> | null)?.[property];
  return v && typeof v === 'object' && typeof (v as { uuid?: unknown }).uuid === 'string' ? (v as { uuid: string }).uuid : undefined;
}

/** The row of a change by column name, with references turned into local keys; `missing` says which could not be. */
function rowOf(m: TableMapping, c: AppRowChange, refKeys: Map<string, Map<string, string>>): { row: Record<string, unknown>; missing: Diagnosis[] } {
  const values = (c.values ?? {}) as Record<string, unknown>;
  const row: Record<string, unknown> = { [m.key]: c.key };
  const missing: Diagnosis[] = [];
  for (const col of m.columns) {
    const v = values[col.property];
    if (col.type !== 'reference') {
      row[col.column] = v ?? null;
      continue;
    }
    const uuid = referenceUuid(c, col.property);
    if (!uuid) {
      row[col.column] = null;
      continue;
    }
    const key = refKeys.get(col.property)?.get(uuid);
    if (key === undefined) {
      missing.push({
        severity: 'Error',
        sdataCode: 'ApplicationDiagnosis',
        applicationCode: 'ReferenceNotFound',
        message: `${col.property} references ${uuid}, which is not here (yet): the entry is tried again when it arrives`,
        payloadPath: col.property,
      });
    }
    row[col.column] = key ?? null;
  }
  return { row, missing };
}

async function deleteRows(trx: Tx, m: TableMapping, keys: string[]): Promise<void> {
  const k = ident(m.key);
  await trx.raw(`DELETE FROM ${tableName(m)} WHERE ${k} IN (SELECT r.${k} FROM jsonb_populate_recordset(NULL::${tableName(m)}, ?::jsonb) r) ${END_OF_STATEMENT}`, [JSON.stringify(keys.map((key) => ({ [m.key]: key })))]);
}

async function upsertRows(trx: Tx, m: TableMapping, rows: Record<string, unknown>[]): Promise<void> {
  const cols = [m.key, ...m.columns.map((c) => c.column).filter((c) => c !== m.key)];
  const list = cols.map(ident).join(', ');
  const set = cols.filter((c) => c !== m.key).map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`);
  const onConflict = set.length > 0 ? `DO UPDATE SET ${set.join(', ')}` : 'DO NOTHING';
  await trx.raw(
    `INSERT INTO ${tableName(m)} (${list}) OVERRIDING SYSTEM VALUE
     SELECT ${cols.map((c) => `r.${ident(c)}`).join(', ')} FROM jsonb_populate_recordset(NULL::${tableName(m)}, ?::jsonb) r
     ON CONFLICT (${ident(m.key)}) ${onConflict} ${END_OF_STATEMENT}`,
    [JSON.stringify(rows)],
  );
}

/**
 * Runs `write` on the whole batch in a savepoint; when the database refuses it for what a row holds, runs it
 * row by row, each in its own savepoint, and records the refused rows' messages in `failed`.
 */
async function inBatchOrOneByOne<T extends { uuid: string }>(trx: Tx, rows: T[], write: (sp: Tx, rows: T[]) => Promise<void>, failed: Map<string, Diagnosis[]>): Promise<void> {
  if (rows.length === 0) return;
  try {
    await trx.transaction((sp) => write(sp, rows));
    return;
  } catch (err) {
    if (!isRowRefusal(err)) throw err;
  }
  for (const r of rows) {
    try {
      await trx.transaction((sp) => write(sp, [r]));
    } catch (err) {
      if (!isRowRefusal(err)) throw err;
      failed.set(r.uuid, [refusalDiagnosis(err)]);
    }
  }
}

/**
 * A refusal for what a row holds: SQLSTATE class 23 (integrity constraint: NOT NULL, CHECK, UNIQUE, foreign
 * key, exclusion) or 22 (data exception: a value the column's type cannot hold).
 */
function isRowRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('23') || code.startsWith('22'));
}

const APPLICATION_CODES: Record<string, string> = {
  '23502': 'NotNullViolation',
  '23503': 'ForeignKeyViolation',
  '23505': 'UniqueViolation',
  '23514': 'CheckViolation',
  '23P01': 'ExclusionViolation',
};

/** The database's own message (without the statement knex puts before it), with a code naming the kind of refusal. */
function refusalDiagnosis(err: unknown): Diagnosis {
  const e = err as { code: string; message?: string; detail?: string; column?: string };
  const text = e.message ?? '';
  const at = text.lastIndexOf(`${END_OF_STATEMENT} - `);
  const message = at < 0 ? text : text.slice(at + END_OF_STATEMENT.length + 3);
  return {
    severity: 'Error',
    sdataCode: 'ApplicationDiagnosis',
    applicationCode: APPLICATION_CODES[e.code] ?? (e.code.startsWith('23') ? 'ConstraintViolation' : 'InvalidValue'),
    message: e.detail ? `${message} (${e.detail})` : message,
    ...(e.column ? { payloadPath: e.column } : {}),
  };
}

/** Writes local changes (the HTTP API) to the application's table; a refused row refuses the request (409, nothing written). */
export async function writeAppRowsOrRefuse(trx: Tx, table: AppTable, changes: AppRowChange[]): Promise<void> {
  const failed = await writeAppRows(trx, table, changes);
  const first = [...failed.values()][0];
  if (!first) return;
  const [d, ...more] = first;
  throw new SDataError(409, { ...d, sdataCode: 'Conflict', message: `${tableName(table.mapping)}: ${d.message}` }, more);
}
