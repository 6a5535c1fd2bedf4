/**
 * Folding the change log into `resources` (pure SQL text, generated from the mappings of one store's
 * table-backed kinds). Capture (captureSql.ts) only logs which keys a statement changed, with their ticks;
 * the fold turns the log into the sync states every reader of an endpoint uses, so everything above store/
 * keeps one code path:
 *
 *   taken     DELETE FROM captured_changes ... RETURNING: the endpoint's logged statements, taken whole
 *   latest    per local key, its latest logged change (highest tick): earlier ones are superseded
 *   upsert    INSERT INTO resources ... ON CONFLICT (endpoint_id, local_key) DO UPDATE: the sync state of
 *             that change (this endpoint, its tick, the statement's stamp and user), the payload read from
 *             the application's row now, a new UUID for a new row (an existing one keeps its UUID and its
 *             knowledge: a local change keeps its version's knowledge, PROTOCOL.md 2.5); a deleted key, or
 *             one whose row is gone, becomes a tombstone. A state already at or past this tick of this
 *             endpoint is left alone.
 *
 * One fold statement reads the log and the application's rows in one snapshot, and the log holds every
 * change of a row up to the snapshot's: the row read is the latest logged change's own content. Rows whose
 * statement has not committed are neither in the log nor visible, so they wait for the next fold.
 *
 * The fold function of a store folds its kinds in reference order (a referenced kind first, so a new row's
 * references find the UUID the fold just gave the row it references). A kind that references itself or a
 * kind folded after it (a cycle) gets a second statement filling the references still unresolved after all
 * kinds are folded. Two folds of one endpoint exclude each other through the log rows they delete: the
 * second waits for the first to commit, then finds those rows gone.
 */
import type { ColumnMapping, TableMapping } from './mapping';
import { ident, literal, qualified } from './sqlText';
import { etagSql } from '../versions';

/** Everything the generated SQL names: the mapping, where the store is, the endpoint and referenced endpoints. */
export interface CaptureTarget {
  mapping: TableMapping;
  /** Schema of the store tables (endpoints, resources, captured_changes) the SQL writes. */
  storeSchema: string;
  endpointId: number;
  endpointUrl: string;
  /** Endpoint id, in the same store, of each kind a reference column points at. */
  referencedEndpointIds: Record<string, number>;
  /** PostgreSQL type name (pg_type.typname, domains resolved) of each mapped column. */
  columnTypes: Record<string, string>;
  /** The key column's type, schema-qualified (a local key, text, is cast to it to find the row by its key). */
  keyType: string;
}

/** Name of the fold function, in a store's adapter schema. */
export const FOLD_FUNCTION = 'fold_captured_changes';

const BODY_TAG = '$sdata_fold$';
/** jsonb_build_object takes at most 100 arguments: payloads of more properties are concatenated. */
const PAIRS_PER_CALL = 50;

export function storeTable(t: Pick<CaptureTarget, 'storeSchema'>, table: 'endpoints' | 'resources' | 'captured_changes'): string {
  return qualified(t.storeSchema, table);
}

export function keySql(t: CaptureTarget, r: string): string {
  return `${r}.${ident(t.mapping.key)}`;
}

/** The UUID (as a reference value) of the resource whose local key is `keyExpr` at the endpoint of a referenced kind. */
function referenceValueSql(t: CaptureTarget, c: ColumnMapping, keyExpr: string): string {
  const refId = t.referencedEndpointIds[c.referencedKind!];
  if (refId === undefined) throw new Error(`no endpoint for kind ${c.referencedKind} referenced by ${t.mapping.kind}.${c.property}`);
  return `(SELECT jsonb_build_object('uuid', x.uuid) FROM ${storeTable(t, 'resources')} x WHERE x.endpoint_id = ${refId} AND x.local_key = (${keyExpr})::text)`;
}

/** The JSON value of one mapped column of row `r`, in the stored form of property values (protocol/propertyValues.ts). */
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
    case 'reference':
      return referenceValueSql(t, c, col);
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

/**
 * Per local key, the latest change of the logged statements `rowsSql` (rows of captured_changes): columns
 * local_key, tick, deleted, stamp, state_user.
 */
export function latestCapturedSql(rowsSql: string): string {
  return `SELECT DISTINCT ON (k.key) k.key AS local_key, c.first_tick + k.i - 1 AS tick, k.i <= c.deletions AS deleted, c.stamp, c.state_user
      FROM (${rowsSql}) c CROSS JOIN LATERAL unnest(c.keys) WITH ORDINALITY AS k(key, i)
     ORDER BY k.key, c.first_tick + k.i DESC`;
}

/** The application's row `a` of the local key `keyText` (text), by its primary key. */
function rowOfKeySql(t: CaptureTarget, a: string, keyText: string): string {
  return `${keySql(t, a)} = CAST(${keyText} AS ${t.keyType})`;
}

/**
 * One statement folding an endpoint's logged changes into its sync states; with `intoVar` (PL/pgSQL), the
 * local keys it wrote are stored in that variable.
 */
function foldStatementSql(t: CaptureTarget, intoVar?: string): string {
  const url = literal(t.endpointUrl);
  const m = t.mapping;
  const gone = `${keySql(t, 'a')} IS NULL`;
  return `WITH taken AS (
    DELETE FROM ${storeTable(t, 'captured_changes')} c WHERE c.endpoint_id = ${t.endpointId}
    RETURNING c.first_tick, c.keys, c.deletions, c.stamp, c.state_user
  ), latest AS (${latestCapturedSql('SELECT * FROM taken')})${intoVar ? ', folded AS (' : ''}
  INSERT INTO ${storeTable(t, 'resources')} AS r
         (endpoint_id, local_key, uuid, payload, deleted, etag, state_endpoint, state_tick, state_stamp, state_user, knowledge)
  SELECT ${t.endpointId}, l.local_key, gen_random_uuid(), CASE WHEN ${gone} THEN '{}'::jsonb ELSE ${payloadSql(t, 'a')} END, ${gone},
         ${etagSql(url, 'l.tick')}, ${url}, l.tick, l.stamp, l.state_user, NULL
    FROM latest l LEFT JOIN ${qualified(m.schema, m.table)} a ON NOT l.deleted AND ${rowOfKeySql(t, 'a', 'l.local_key')}
  ON CONFLICT (endpoint_id, local_key) DO UPDATE
     SET payload = excluded.payload, deleted = excluded.deleted, etag = excluded.etag,
         state_endpoint = excluded.state_endpoint, state_tick = excluded.state_tick,
         state_stamp = excluded.state_stamp, state_user = excluded.state_user
   WHERE NOT (r.state_endpoint = excluded.state_endpoint AND r.state_tick >= excluded.state_tick)${
     intoVar ? `\n  RETURNING r.local_key)\n  SELECT array_agg(local_key) INTO ${intoVar} FROM folded` : ''
   }`;
}

/**
 * The references of the rows `keysVar` (local keys just folded) that were still unresolved when they were
 * folded (null in the payload, a key in the column), resolved now that every kind of the store is folded.
 */
function lateReferencesSql(t: CaptureTarget, late: ColumnMapping[], keysVar: string): string {
  const m = t.mapping;
  const unresolved = (c: ColumnMapping) => `(NULLIF(r.payload -> ${literal(c.property)}, 'null'::jsonb) IS NULL AND a.${ident(c.column)} IS NOT NULL)`;
  const values = late.map((c) => `${literal(c.property)}, COALESCE(NULLIF(r.payload -> ${literal(c.property)}, 'null'::jsonb), ${valueSql(t, c, 'a')})`);
  return `UPDATE ${storeTable(t, 'resources')} r SET payload = r.payload || jsonb_build_object(${values.join(', ')})
      FROM ${qualified(m.schema, m.table)} a
     WHERE r.endpoint_id = ${t.endpointId} AND r.local_key = ANY (${keysVar}) AND NOT r.deleted AND ${rowOfKeySql(t, 'a', 'r.local_key')}
       AND (${late.map(unresolved).join(' OR ')})`;
}

/** The store's kinds in reference order: a referenced kind before the kinds referencing it (cycles: configuration order). */
function referenceOrder(targets: CaptureTarget[]): CaptureTarget[] {
  const out: CaptureTarget[] = [];
  const placed = new Set<number>();
  const own = new Set(targets.map((t) => t.endpointId));
  const ready = (t: CaptureTarget) => Object.values(t.referencedEndpointIds).every((id) => id === t.endpointId || placed.has(id) || !own.has(id));
  while (out.length < targets.length) {
    const next = targets.find((t) => !placed.has(t.endpointId) && ready(t)) ?? targets.find((t) => !placed.has(t.endpointId))!;
    out.push(next);
    placed.add(next.endpointId);
  }
  return out;
}

/** The body of the fold function of a store (its store schema, its kinds): what pg_proc.prosrc holds once created. */
export function foldFunctionBody(storeSchema: string, targets: CaptureTarget[]): string {
  const ordered = referenceOrder(targets);
  const position = new Map(ordered.map((t, i) => [t.endpointId, i]));
  const declarations: string[] = [];
  const folds: string[] = [];
  const lates: string[] = [];
  ordered.forEach((t, i) => {
    // References to this kind itself or to a kind folded later may not resolve in the first statement.
    const late = t.mapping.columns.filter((c) => c.type === 'reference' && (position.get(t.referencedEndpointIds[c.referencedKind!]) ?? -1) >= i);
    if (late.length === 0) {
      folds.push(`${foldStatementSql(t)};`);
      return;
    }
    const keysVar = `folded_${i}`;
    declarations.push(`${keysVar} text[];`);
    folds.push(`${foldStatementSql(t, keysVar)};`);
    lates.push(`IF ${keysVar} IS NOT NULL THEN\n    ${lateReferencesSql(t, late, keysVar)};\n  END IF;`);
  });
  const ids = targets.map((t) => t.endpointId).join(',');
  const body = `
${declarations.length ? `DECLARE\n  ${declarations.join('\n  ')}\n` : ''}BEGIN
  IF NOT EXISTS (SELECT 1 FROM ${qualified(storeSchema, 'captured_changes')} WHERE endpoint_id = ANY ('{${ids}}'::int[])) THEN RETURN; END IF;
  ${[...folds, ...lates].join('\n  ')}
END`;
  if (body.includes(BODY_TAG)) throw new Error(`the fold function of ${storeSchema} would contain ${BODY_TAG}`);
  return body;
}

/** CREATE OR REPLACE FUNCTION of the fold function of a store (its adapter schema, its store schema, its kinds). */
export function foldFunctionSql(adapterSchema: string, storeSchema: string, targets: CaptureTarget[]): string {
  const body = foldFunctionBody(storeSchema, targets);
  return `CREATE OR REPLACE FUNCTION ${qualified(adapterSchema, FOLD_FUNCTION)}() RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${ident(storeSchema)}, pg_catalog, pg_temp
  AS ${BODY_TAG}${body}${BODY_TAG}`;
}
