/**
 * The SQL text of change capture for one table-backed kind, generated from its mapping (pure; identifiers
 * always quoted). AFTER ... FOR EACH STATEMENT triggers, one per event (INSERT, UPDATE, DELETE with their
 * transition tables; TRUNCATE: every live row deleted), each running three short statements:
 *
 *   changes   the statement's changed local keys as one array, deleted rows first: an UPDATE row whose
 *             mapped columns are all IS NOT DISTINCT FROM before takes no part; an UPDATE that moves a key
 *             deletes the old key and inserts the new
 *   clock     UPDATE endpoints SET clock = clock + n ... RETURNING: n consecutive ticks under the clock row
 *             lock, held to commit (prefix visibility, PROTOCOL.md 2.1; see store/clock.ts). No change, no
 *             UPDATE: no tick and no lock
 *   log       INSERT INTO captured_changes: ONE row for the statement (keys, first tick, deletions, stamp,
 *             user; migrations/011_captured_changes.ts)
 *
 * Capture stops there: payloads, UUIDs and ETags are made when the log is folded into `resources`
 * (foldSql.ts), before anything reads the endpoint. So a statement costs the application one array element
 * per changed row and one log row, whatever its size.
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
import type { TableMapping } from './mapping';
import { ident, literal, qualified } from './sqlText';
import type { Tx } from '../db';
import { keySql, latestCapturedSql, payloadSql, storeTable, type CaptureTarget } from './foldSql';

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

const NEW_ROWS = 'sdata_new';
const OLD_ROWS = 'sdata_old';
const BODY_TAG = '$sdata_capture$';
const STATEMENT_TAG = '$sdata_statement$';
const INSTALL_TAG = '$sdata_install$';

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

/** True when a mapped column of `a` and `b` differs. */
function mappedColumnsDifferSql(t: CaptureTarget, a: string, b: string): string {
  const cols = t.mapping.columns.map((c) => ident(c.column));
  if (cols.length === 0) return 'false';
  return `ROW(${cols.map((c) => `${a}.${c}`).join(', ')}) IS DISTINCT FROM ROW(${cols.map((c) => `${b}.${c}`).join(', ')})`;
}

/** PL/pgSQL variables of the logging block: the changed keys, how many of them are deletions, the ticks given. */
const KEYS = 'changed_keys';
const DELETIONS = 'changed_deletions';
const FIRST_TICK = 'first_tick_given';
const STAMP = 'ticks_stamp';
const DECLARE = `DECLARE ${KEYS} text[]; ${DELETIONS} integer; ${FIRST_TICK} bigint; ${STAMP} timestamptz;`;

/** PL/pgSQL reading the one row of changes (`keys` text[] in tick order, NULL for none; `deletions`) into the block's variables. */
function readChangesSql(changesSql: string): string {
  return `SELECT ch.keys, ch.deletions INTO ${KEYS}, ${DELETIONS} FROM (${changesSql}) ch;`;
}

/**
 * PL/pgSQL giving the changes read by readChangesSql the next ticks of the endpoint and logging them as one
 * row of captured_changes. Nothing changed: nothing is written and the clock is not touched. Separate short
 * statements, not one statement over the transition tables: PL/pgSQL keeps their plans, where it plans a
 * statement reading a transition table again at every call.
 */
function logChangesSql(t: CaptureTarget): string {
  return `IF ${KEYS} IS NOT NULL THEN
    UPDATE ${storeTable(t, 'endpoints')} e
       SET clock = e.clock + cardinality(${KEYS}),
           clock_stamp = GREATEST(e.clock_stamp, date_trunc('milliseconds', clock_timestamp()))
     WHERE e.id = ${t.endpointId}
     RETURNING e.clock - cardinality(${KEYS}), e.clock_stamp INTO ${FIRST_TICK}, ${STAMP};
    INSERT INTO ${storeTable(t, 'captured_changes')} (endpoint_id, first_tick, keys, deletions, stamp, state_user)
    VALUES (${t.endpointId}, ${FIRST_TICK}, ${KEYS}, ${DELETIONS}, ${STAMP}, session_user);
  END IF;`;
}

/** A DO block logging the changes of `changesSql` (install: rows without a sync state, rows that differ). */
function logChangesBlock(t: CaptureTarget, changesSql: string): string {
  const body = `${DECLARE}\nBEGIN\n  ${readChangesSql(changesSql)}\n  ${logChangesSql(t)}\nEND`;
  if (body.includes(INSTALL_TAG)) throw new Error(`the install of ${t.mapping.schema}.${t.mapping.table} would contain ${INSTALL_TAG}`);
  return `DO ${INSTALL_TAG}${body}${INSTALL_TAG}`;
}

/** The one row of changes (keys, deletions) of one statement, from its transition tables. */
function changesOfEvent(t: CaptureTarget, event: CaptureEvent): string {
  const k = ident(t.mapping.key);
  switch (event) {
    case 'insert':
      return `SELECT array_agg((n.${k})::text) AS keys, 0 AS deletions FROM ${NEW_ROWS} n`;
    case 'delete':
      return `SELECT array_agg((o.${k})::text) AS keys, count(*)::int AS deletions FROM ${OLD_ROWS} o`;
    case 'truncate':
      // No transition table: the table is empty now, so every key whose latest state is live is deleted.
      return `SELECT array_agg(s.local_key) AS keys, count(*)::int AS deletions FROM (
                SELECT DISTINCT ON (u.local_key) u.local_key, u.deleted FROM (
                  SELECT p.local_key, p.deleted, true AS logged FROM (${latestCapturedSql(`SELECT * FROM ${storeTable(t, 'captured_changes')} WHERE endpoint_id = ${t.endpointId}`)}) p
                  UNION ALL
                  SELECT r.local_key, r.deleted, false FROM ${storeTable(t, 'resources')} r WHERE r.endpoint_id = ${t.endpointId}
                ) u ORDER BY u.local_key, u.logged DESC) s
               WHERE NOT s.deleted`;
    case 'update':
      // A key in the old rows only was moved away (deleted); in the new rows only, moved in (live).
      return `SELECT array_agg((o.${k})::text) FILTER (WHERE n.${k} IS NULL) || array_agg((n.${k})::text) FILTER (WHERE n.${k} IS NOT NULL) AS keys,
                     (count(*) FILTER (WHERE n.${k} IS NULL))::int AS deletions
                FROM ${OLD_ROWS} o FULL JOIN ${NEW_ROWS} n ON o.${k} = n.${k}
               WHERE o.${k} IS NULL OR n.${k} IS NULL OR ${mappedColumnsDifferSql(t, 'o', 'n')}`;
  }
}

/**
 * An UPDATE of more rows than this is planned for its own size (EXECUTE). PL/pgSQL keeps the plan of a
 * static statement from its first run, and the planner sizes a transition table by its rows at that run: a
 * plan made for one row (nested loops over the two transition tables) would cost a 1,000-row statement
 * quadratic time. Small statements keep the cached plan, which suits them and saves the planning. The other
 * events read one table once and need no such care.
 */
const REPLAN_ABOVE_ROWS = 16;

/** CREATE OR REPLACE FUNCTION of one event's capture function. */
function captureFunctionSql(t: CaptureTarget, event: CaptureEvent): string {
  const changes = changesOfEvent(t, event);
  const statement = `SELECT ch.keys, ch.deletions FROM (${changes}) ch`;
  const read =
    event === 'update'
      ? `IF (SELECT count(*) FROM ${NEW_ROWS}) > ${REPLAN_ABOVE_ROWS} THEN
    EXECUTE ${STATEMENT_TAG}${statement}${STATEMENT_TAG} INTO ${KEYS}, ${DELETIONS};
  ELSE
    ${readChangesSql(changes)}
  END IF;`
      : readChangesSql(changes);
  const body = `
${DECLARE}
BEGIN
  IF current_setting(${literal(APPLYING_SETTING)}, true) = 'on' THEN RETURN NULL; END IF;
  ${read}
  ${logChangesSql(t)}
  RETURN NULL;
END`;
  for (const tag of [BODY_TAG, STATEMENT_TAG]) {
    if (statement.includes(tag)) throw new Error(`the capture function of ${t.mapping.schema}.${t.mapping.table} would contain ${tag}`);
  }
  return `CREATE OR REPLACE FUNCTION ${qualified(t.mapping.adapterSchema, captureFunctionName(t.mapping, event))}() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${ident(t.storeSchema)}, pg_catalog, pg_temp
  AS ${BODY_TAG}${body}${BODY_TAG}`;
}

/** DROP + CREATE TRIGGER of one event on the application's table (statement level, transition table). */
function captureTriggerSql(t: CaptureTarget, event: CaptureEvent): string[] {
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

/**
 * Install: every application row without a sync state is logged as a change, with the next tick, in key
 * order (the log is folded before this runs, so a row is either in `resources` or new).
 */
export function backfillSql(t: CaptureTarget): string {
  const m = t.mapping;
  const changes = `SELECT array_agg((${keySql(t, 'a')})::text ORDER BY ${keySql(t, 'a')}) AS keys, 0 AS deletions
      FROM ${qualified(m.schema, m.table)} a
     WHERE NOT EXISTS (SELECT 1 FROM ${storeTable(t, 'resources')} x WHERE x.endpoint_id = ${t.endpointId} AND x.local_key = (${keySql(t, 'a')})::text)`;
  return logChangesBlock(t, changes);
}

/**
 * Install (a reinstall after the mapping or the rows changed without capture): a row whose stored payload
 * differs from its mapped values, or a tombstone whose row exists, is logged as a local change; a live sync
 * state whose row is gone, as a deletion. Nothing differs (a second install): no tick.
 */
export function reconcileSql(t: CaptureTarget): string {
  const m = t.mapping;
  const rows = qualified(m.schema, m.table);
  const resources = storeTable(t, 'resources');
  const changes = `SELECT gone.keys || changed.keys AS keys, COALESCE(cardinality(gone.keys), 0) AS deletions
      FROM (SELECT array_agg(x.local_key) AS keys FROM ${resources} x
             WHERE x.endpoint_id = ${t.endpointId} AND NOT x.deleted
               AND NOT EXISTS (SELECT 1 FROM ${rows} a WHERE (${keySql(t, 'a')})::text = x.local_key)) gone,
           (SELECT array_agg((${keySql(t, 'a')})::text) AS keys
              FROM ${rows} a JOIN ${resources} x ON x.endpoint_id = ${t.endpointId} AND x.local_key = (${keySql(t, 'a')})::text
             WHERE x.deleted OR x.payload IS DISTINCT FROM ${payloadSql(t, 'a')}) changed`;
  return logChangesBlock(t, changes);
}
