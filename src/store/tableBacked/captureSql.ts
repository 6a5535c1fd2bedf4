/**
 * The SQL text of change capture for one table-backed kind, generated from its mapping (pure; identifiers
 * always quoted). AFTER ... FOR EACH STATEMENT triggers, one per event (INSERT, UPDATE, DELETE with their
 * transition tables; TRUNCATE: every live row deleted), each running ONE statement (and, for a kind that
 * references itself, a second one giving rows the UUIDs of parents inserted by the same statement):
 *
 *   changes   the statement's changed rows: (local key, deleted, payload); an UPDATE row whose mapped columns
 *             are all IS NOT DISTINCT FROM before takes no part; an UPDATE that moves a key deletes the
 *             old key and inserts the new
 *   clock     UPDATE endpoints SET clock = clock + n ... RETURNING: n consecutive ticks under the clock row
 *             lock, held to commit (prefix visibility, PROTOCOL.md 2.1; see store/clock.ts). No change, no
 *             UPDATE: no tick and no lock
 *   resources INSERT ... SELECT ... ON CONFLICT (endpoint_id, local_key) DO UPDATE: one sync state per row,
 *             the UUID and the knowledge kept (a local change keeps its version's knowledge, PROTOCOL.md
 *             2.5); a deleted row becomes a tombstone (deleted, empty payload)
 *
 * A transaction that set APPLYING_SETTING (sdata_sync.applying = on) is sdata-sync applying received
 * changes: it writes the sync state itself, so the triggers do nothing.
 *
 * The functions are SECURITY DEFINER (the application's roles need no rights on our schema) with a fixed
 * search_path: the store's schema first, so the store's own triggers (NOTIFY of the clock, 004_digest_notify)
 * name the right schema, and pg_temp last, so no temporary object of the session can stand in for ours.
 * The user of a captured change is `session_user`, the role the application logged in as.
 */
import { createHash } from 'node:crypto';
import type { ColumnMapping, TableMapping } from './mapping';
import { ident, literal, qualified } from './sqlText';
import type { Tx } from '../db';
import { etagSql } from '../versions';

/** Set to `on` (transaction-local) by a transaction whose writes of an application table are not local changes. */
export const APPLYING_SETTING = 'sdata_sync.applying';

/**
 * Marks the transaction as sdata-sync applying received changes: the capture triggers leave its writes of
 * application tables alone (the transaction writes their sync states itself). Ends with the transaction.
 */
export async function markApplying(trx: Tx): Promise<void> {
  await trx.raw('SELECT set_config(?, ?, true)', [APPLYING_SETTING, 'on']);
}

export type CaptureEvent = 'insert' | 'update' | 'delete' | 'truncate';
export const CAPTURE_EVENTS: CaptureEvent[] = ['insert', 'update', 'delete', 'truncate'];

/** Everything the generated SQL names: the mapping, where the store is, the endpoint and referenced endpoints. */
export interface CaptureTarget {
  mapping: TableMapping;
  /** Schema of the store tables (endpoints, resources) the triggers write. */
  storeSchema: string;
  endpointId: number;
  endpointUrl: string;
  /** Endpoint id, in the same store, of each kind a reference column points at. */
  referencedEndpointIds: Record<string, number>;
  /** PostgreSQL type name (pg_type.typname, domains resolved) of each mapped column. */
  columnTypes: Record<string, string>;
}

const NEW_ROWS = 'sdata_new';
const OLD_ROWS = 'sdata_old';
const BODY_TAG = '$sdata_capture$';
const STATEMENT_TAG = '$sdata_statement$';
/** jsonb_build_object takes at most 100 arguments: payloads of more properties are concatenated. */
const PAIRS_PER_CALL = 50;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** Name of the capture function of one event of a table (in the adapter schema; unique per schema.table). */
export function captureFunctionName(m: TableMapping, event: CaptureEvent): string {
  return `capture_${m.table.slice(0, 30)}_${shortHash(`${m.schema}.${m.table}`)}_${event}`;
}

/** Name of the capture trigger of one event on the application's table. */
export function captureTriggerName(m: TableMapping, event: CaptureEvent): string {
  return `${m.adapterSchema.slice(0, 40)}_capture_${event}`;
}

function storeTable(t: CaptureTarget, table: 'endpoints' | 'resources'): string {
  return qualified(t.storeSchema, table);
}

/** The JSON value of one mapped column of row `r`, in the payload codec's stored form (atom/payload.ts). */
function valueSql(t: CaptureTarget, c: ColumnMapping, r: string): string {
  const col = `${r}.${ident(c.column)}`;
  const type = t.columnTypes[c.column];
  switch (c.type) {
    case 'string':
      return `to_jsonb(${col}::text)`;
    case 'integer':
      return `to_jsonb(${col}::bigint)`;
    case 'decimal':
      return `to_jsonb(${col}::numeric::text)`;
    case 'boolean':
      return `to_jsonb(${col})`;
    case 'date':
      return `to_jsonb(to_char(${col}, 'YYYY-MM-DD'))`;
    case 'datetime': {
      // A timestamp without time zone is taken as UTC, as the payload codec reads a value without an offset.
      const utc = type === 'timestamptz' ? `(${col} AT TIME ZONE 'UTC')` : col;
      return `to_jsonb(to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
    }
    case 'reference': {
      const refId = t.referencedEndpointIds[c.referencedKind!];
      if (refId === undefined) throw new Error(`no endpoint for kind ${c.referencedKind} referenced by ${t.mapping.kind}.${c.property}`);
      return `(SELECT jsonb_build_object('uuid', x.uuid) FROM ${storeTable(t, 'resources')} x WHERE x.endpoint_id = ${refId} AND x.local_key = (${col})::text)`;
    }
  }
}

/** The payload object of row `r`: every mapped property, null for a NULL column. */
export function payloadSql(t: CaptureTarget, r: string): string {
  const cols = t.mapping.columns;
  if (cols.length === 0) return `'{}'::jsonb`;
  const calls: string[] = [];
  for (let i = 0; i < cols.length; i += PAIRS_PER_CALL) {
    const pairs = cols.slice(i, i + PAIRS_PER_CALL).map((c) => `${literal(c.property)}, ${valueSql(t, c, r)}`);
    calls.push(`jsonb_build_object(${pairs.join(', ')})`);
  }
  return calls.join(' || ');
}

function keySql(t: CaptureTarget, r: string): string {
  return `${r}.${ident(t.mapping.key)}`;
}

/** True when a mapped column of `a` and `b` differs. */
function mappedColumnsDifferSql(t: CaptureTarget, a: string, b: string): string {
  const cols = t.mapping.columns.map((c) => ident(c.column));
  if (cols.length === 0) return 'false';
  return `ROW(${cols.map((c) => `${a}.${c}`).join(', ')}) IS DISTINCT FROM ROW(${cols.map((c) => `${b}.${c}`).join(', ')})`;
}

/**
 * One statement giving each change of `changesSql` (columns local_key text, deleted boolean, payload jsonb,
 * and whatever `order` names) the next tick of the endpoint, in the order of `order`, and writing the sync
 * states. Nothing changed: nothing is written and the clock is not touched.
 */
export function tickChangesSql(t: CaptureTarget, changesSql: string, order = ''): string {
  const url = literal(t.endpointUrl);
  const tick = 'clk.first + ch.rn - 1';
  return `WITH ch AS MATERIALIZED (
    SELECT c.local_key, c.deleted, c.payload, row_number() OVER (${order}) AS rn FROM (${changesSql}) c
  ), cnt AS (SELECT count(*) AS n FROM ch),
  clk AS (
    UPDATE ${storeTable(t, 'endpoints')} e
       SET clock = e.clock + cnt.n,
           clock_stamp = GREATEST(e.clock_stamp, date_trunc('milliseconds', clock_timestamp()))
      FROM cnt
     WHERE e.id = ${t.endpointId} AND cnt.n > 0
     RETURNING e.clock - cnt.n AS first, e.clock_stamp AS stamp
  )
  INSERT INTO ${storeTable(t, 'resources')} AS r
         (endpoint_id, local_key, uuid, payload, deleted, etag, state_endpoint, state_tick, state_stamp, state_user, knowledge)
  SELECT ${t.endpointId}, ch.local_key, gen_random_uuid(), ch.payload, ch.deleted, ${etagSql(url, tick)},
         ${url}, ${tick}, clk.stamp, session_user, NULL
    FROM ch CROSS JOIN clk
  ON CONFLICT (endpoint_id, local_key) DO UPDATE
     SET payload = excluded.payload, deleted = excluded.deleted, etag = excluded.etag,
         state_endpoint = excluded.state_endpoint, state_tick = excluded.state_tick,
         state_stamp = excluded.state_stamp, state_user = excluded.state_user`;
}

/** The changed rows of one statement, from its transition tables. */
function changesOfEvent(t: CaptureTarget, event: CaptureEvent): string {
  const key = t.mapping.key;
  switch (event) {
    case 'insert':
      return `SELECT (${keySql(t, 'n')})::text AS local_key, false AS deleted, ${payloadSql(t, 'n')} AS payload FROM ${NEW_ROWS} n`;
    case 'delete':
      return `SELECT (${keySql(t, 'o')})::text AS local_key, true AS deleted, '{}'::jsonb AS payload FROM ${OLD_ROWS} o`;
    case 'truncate':
      // No transition table: the table is empty now, so every live sync state is of a deleted row.
      return `SELECT x.local_key, true AS deleted, '{}'::jsonb AS payload FROM ${storeTable(t, 'resources')} x WHERE x.endpoint_id = ${t.endpointId} AND NOT x.deleted`;
    case 'update':
      return `SELECT (${keySql(t, 'n')})::text AS local_key, false AS deleted, ${payloadSql(t, 'n')} AS payload
                FROM ${NEW_ROWS} n LEFT JOIN ${OLD_ROWS} o ON o.${ident(key)} = n.${ident(key)}
               WHERE o.${ident(key)} IS NULL OR ${mappedColumnsDifferSql(t, 'o', 'n')}
              UNION ALL
              SELECT (${keySql(t, 'o')})::text, true, '{}'::jsonb
                FROM ${OLD_ROWS} o WHERE NOT EXISTS (SELECT 1 FROM ${NEW_ROWS} n WHERE n.${ident(key)} = o.${ident(key)})`;
  }
}

/** True when a kind references itself (a parent row, say): a row may point at a row of the same statement. */
function referencesItself(t: CaptureTarget): boolean {
  return t.mapping.columns.some((c) => c.type === 'reference' && c.referencedKind === t.mapping.kind);
}

/**
 * For a kind that references itself: the payloads of the statement's rows computed again once every row
 * of the statement has its UUID (the first statement could not see the UUIDs it was giving out). Only the
 * payloads that differ are written; the sync states and ticks stay.
 */
function selfReferencesSql(t: CaptureTarget): string {
  const key = ident(t.mapping.key);
  return `UPDATE ${storeTable(t, 'resources')} r SET payload = ${payloadSql(t, 'n')}
      FROM ${NEW_ROWS} n
     WHERE r.endpoint_id = ${t.endpointId} AND r.local_key = (n.${key})::text AND NOT r.deleted
       AND r.state_endpoint = ${literal(t.endpointUrl)} AND r.payload IS DISTINCT FROM ${payloadSql(t, 'n')}`;
}

/**
 * Statements of more rows than this are planned for their own size (EXECUTE). PL/pgSQL keeps the plan of a
 * static statement from its first run, and the planner sizes a transition table by its rows at that run: a
 * plan made for one row (nested loops over the transition tables) would cost a 1,000-row statement
 * quadratic time. Small statements keep the cached plan, which suits them and saves the planning.
 */
export const REPLAN_ABOVE_ROWS = 16;

/** CREATE OR REPLACE FUNCTION of one event's capture function. */
export function captureFunctionSql(t: CaptureTarget, event: CaptureEvent): string {
  const statements = [tickChangesSql(t, changesOfEvent(t, event))];
  if ((event === 'insert' || event === 'update') && referencesItself(t)) statements.push(selfReferencesSql(t));
  const rows = event === 'insert' || event === 'update' ? NEW_ROWS : event === 'delete' ? OLD_ROWS : undefined;
  const cached = statements.map((q) => `${q};`).join('\n    ');
  const planned = statements.map((q) => `EXECUTE ${STATEMENT_TAG}${q}${STATEMENT_TAG};`).join('\n    ');
  const body = `
BEGIN
  IF current_setting(${literal(APPLYING_SETTING)}, true) = 'on' THEN RETURN NULL; END IF;
  ${
    rows
      ? `IF (SELECT count(*) FROM ${rows}) > ${REPLAN_ABOVE_ROWS} THEN
    ${planned}
  ELSE
    ${cached}
  END IF;`
      : cached
  }
  RETURN NULL;
END`;
  for (const tag of [BODY_TAG, STATEMENT_TAG]) {
    if (statements.some((q) => q.includes(tag))) throw new Error(`the capture function of ${t.mapping.schema}.${t.mapping.table} would contain ${tag}`);
  }
  return `CREATE OR REPLACE FUNCTION ${qualified(t.mapping.adapterSchema, captureFunctionName(t.mapping, event))}() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${ident(t.storeSchema)}, pg_catalog, pg_temp
  AS ${BODY_TAG}${body}${BODY_TAG}`;
}

/** DROP + CREATE TRIGGER of one event on the application's table (statement level, transition table). */
export function captureTriggerSql(t: CaptureTarget, event: CaptureEvent): string[] {
  const m = t.mapping;
  const table = qualified(m.schema, m.table);
  const trigger = ident(captureTriggerName(m, event));
  const referencing = {
    insert: ` REFERENCING NEW TABLE AS ${NEW_ROWS}`,
    update: ` REFERENCING OLD TABLE AS ${OLD_ROWS} NEW TABLE AS ${NEW_ROWS}`,
    delete: ` REFERENCING OLD TABLE AS ${OLD_ROWS}`,
    truncate: '',
  }[event];
  return [
    `DROP TRIGGER IF EXISTS ${trigger} ON ${table}`,
    `CREATE TRIGGER ${trigger} AFTER ${event.toUpperCase()} ON ${table}${referencing}
       FOR EACH STATEMENT EXECUTE FUNCTION ${qualified(m.adapterSchema, captureFunctionName(m, event))}()`,
  ];
}

/** Every statement installing the capture of one table, in order. */
export function captureInstallSql(t: CaptureTarget): string[] {
  return CAPTURE_EVENTS.flatMap((e) => [captureFunctionSql(t, e), ...captureTriggerSql(t, e)]);
}

/** The statements removing the capture triggers of one table (the functions go with the adapter schema). */
export function captureRemoveSql(m: TableMapping): string[] {
  return CAPTURE_EVENTS.map((e) => `DROP TRIGGER IF EXISTS ${ident(captureTriggerName(m, e))} ON ${qualified(m.schema, m.table)}`);
}

/** Identifies what was installed for a table: a changed mapping, store or endpoint gives another fingerprint. */
export function captureFingerprint(t: CaptureTarget): string {
  return createHash('sha256').update(captureInstallSql(t).join(';\n')).digest('hex');
}

/**
 * Install, first step: every application row without a sync state gets one, with the next tick, in key
 * order, and an empty payload (filled by fillPayloadsSql once every kind's rows have UUIDs, so references
 * between the rows, even of one table, find their UUID).
 */
export function backfillSql(t: CaptureTarget): string {
  const m = t.mapping;
  const changes = `SELECT (${keySql(t, 'a')})::text AS local_key, false AS deleted, '{}'::jsonb AS payload, ${keySql(t, 'a')} AS ord
      FROM ${qualified(m.schema, m.table)} a
     WHERE NOT EXISTS (SELECT 1 FROM ${storeTable(t, 'resources')} x WHERE x.endpoint_id = ${t.endpointId} AND x.local_key = (${keySql(t, 'a')})::text)`;
  return tickChangesSql(t, changes, 'ORDER BY c.ord');
}

/** Install, second step: the payload of the sync states given out from tick `fromTick` on, in place (no tick). */
export function fillPayloadsSql(t: CaptureTarget, fromTick: number): string {
  const m = t.mapping;
  return `UPDATE ${storeTable(t, 'resources')} r SET payload = ${payloadSql(t, 'a')}
      FROM ${qualified(m.schema, m.table)} a
     WHERE r.endpoint_id = ${t.endpointId} AND r.local_key = (${keySql(t, 'a')})::text
       AND r.state_endpoint = ${literal(t.endpointUrl)} AND r.state_tick >= ${Math.trunc(fromTick)}`;
}

/**
 * Install, last step (a reinstall after the mapping or the rows changed without capture): a row whose stored
 * payload differs from its mapped values, or a tombstone whose row exists, takes a tick as a local change; a
 * live sync state whose row is gone becomes a tombstone. Nothing differs (a second install): no tick.
 */
export function reconcileSql(t: CaptureTarget): string {
  const m = t.mapping;
  const rows = qualified(m.schema, m.table);
  const changes = `SELECT (${keySql(t, 'a')})::text AS local_key, false AS deleted, ${payloadSql(t, 'a')} AS payload
      FROM ${rows} a JOIN ${storeTable(t, 'resources')} x ON x.endpoint_id = ${t.endpointId} AND x.local_key = (${keySql(t, 'a')})::text
     WHERE x.deleted OR x.payload IS DISTINCT FROM ${payloadSql(t, 'a')}
    UNION ALL
    SELECT x.local_key, true, '{}'::jsonb
      FROM ${storeTable(t, 'resources')} x
     WHERE x.endpoint_id = ${t.endpointId} AND NOT x.deleted
       AND NOT EXISTS (SELECT 1 FROM ${rows} a WHERE (${keySql(t, 'a')})::text = x.local_key)`;
  return tickChangesSql(t, changes);
}
