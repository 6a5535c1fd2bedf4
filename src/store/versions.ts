/**
 * Resource versions as the sync services see them: the stored payload with its sync state and knowledge,
 * read by UUID in batches and written with one upsert per page (one array per column).
 */
import { createHash } from 'node:crypto';
import type { DbOrTx } from './db';
import type { StoredVersion } from '../protocol/pagePlan';
import type { Digest, SyncState } from '../protocol/types';

/**
 * The ETag of a version: derived from its sync state, which names exactly one version. SHA-256 (not SHA-1)
 * because PostgreSQL computes it in core too: the capture triggers of table-backed kinds write the same
 * ETag in SQL (etagSql, its twin).
 */
export function etagOf(state: Pick<SyncState, 'endpoint' | 'tick'>): string {
  // A version applied by a sync page is written and then answered in the result feed: hashed once.
  let etag = etags.get(state);
  if (etag === undefined) {
    etag = createHash('sha256').update(`${state.endpoint}\n${state.tick}`).digest('base64url').slice(0, 16);
    etags.set(state, etag);
  }
  return etag;
}

/** The ETag of each sync state object already hashed (sync states are never changed in place). */
const etags = new WeakMap<object, string>();

/**
 * etagOf as an SQL expression over two SQL expressions (the endpoint URL as text, the tick as bigint). The
 * first 16 base64 characters of a 32-byte digest hold no padding or line break, so translating the two
 * characters base64 and base64url differ in gives the same text.
 */
export function etagSql(endpointExpr: string, tickExpr: string): string {
  return `translate(left(encode(sha256(convert_to(${endpointExpr} || E'\\n' || (${tickExpr})::text, 'UTF8')), 'base64'), 16), '+/', '-_')`;
}

export interface VersionRow {
  local_key: string;
  uuid: string;
  payload: unknown;
  deleted: boolean;
  etag: string;
  state_endpoint: string;
  state_tick: number;
  state_stamp: Date | string;
  state_user: string | null;
  knowledge: Digest | null;
}

export const VERSION_COLUMNS = ['local_key', 'uuid', 'payload', 'deleted', 'etag', 'state_endpoint', 'state_tick', 'state_stamp', 'state_user', 'knowledge'];

export function stateOf(r: VersionRow): SyncState {
  const s: SyncState = { endpoint: r.state_endpoint, tick: Number(r.state_tick), stamp: new Date(r.state_stamp).toISOString() };
  if (r.state_user) s.user = r.state_user;
  return s;
}

function versionOf(r: VersionRow): StoredVersion & { key: string } {
  return { key: r.local_key, uuid: r.uuid, values: r.payload, deleted: r.deleted, state: stateOf(r), knowledge: r.knowledge ?? undefined };
}

/**
 * One statement reads or writes up to this many versions: the UUIDs, or the rows as one array per column
 * (`unnest`), travel as arrays, so a statement and its parameters do not grow with the page.
 */
const VERSIONS_PER_STATEMENT = 5000;

/** The stored versions of these UUIDs. */
export async function loadVersionsByUuid(db: DbOrTx, endpointId: number, uuids: string[]): Promise<Map<string, StoredVersion & { key: string }>> {
  const out = new Map<string, StoredVersion & { key: string }>();
  for (let i = 0; i < uuids.length; i += VERSIONS_PER_STATEMENT) {
    const rows: VersionRow[] = await db('resources')
      .select(VERSION_COLUMNS)
      .where('endpoint_id', endpointId)
      .whereRaw('uuid = ANY(?::uuid[])', [uuids.slice(i, i + VERSIONS_PER_STATEMENT)]);
    for (const r of rows) out.set(r.uuid, versionOf(r));
  }
  return out;
}

/** The columns a version is written with, beside endpoint_id, and their SQL types. */
const WRITTEN: [string, string][] = [
  ['local_key', 'text'],
  ['uuid', 'uuid'],
  ['payload', 'jsonb'],
  ['deleted', 'boolean'],
  ['etag', 'text'],
  ['state_endpoint', 'text'],
  ['state_tick', 'bigint'],
  ['state_stamp', 'timestamptz'],
  ['state_user', 'text'],
  ['knowledge', 'jsonb'],
  ['linked', 'boolean'],
];

const UPSERT_VERSIONS =
  `INSERT INTO resources (endpoint_id, ${WRITTEN.map(([c]) => c).join(', ')}) ` +
  `SELECT ?, * FROM unnest(${WRITTEN.map(([, type]) => `?::${type}[]`).join(', ')}) ` +
  `ON CONFLICT (endpoint_id, local_key) DO UPDATE SET ${WRITTEN.filter(([c]) => c !== 'local_key').map(([c]) => `${c} = excluded.${c}`).join(', ')}`;

/**
 * Inserts or replaces versions by local key (each with its sync state, knowledge and ETag). A version
 * written here came from another endpoint or was resolved against one: its UUID is known beyond this
 * endpoint, so the resource is linked (PROTOCOL.md 2.8).
 */
export async function writeVersions(db: DbOrTx, endpointId: number, versions: (StoredVersion & { key: string })[]): Promise<void> {
  try {
    for (let i = 0; i < versions.length; i += VERSIONS_PER_STATEMENT) {
      const chunk = versions.slice(i, i + VERSIONS_PER_STATEMENT);
      const columns: (string | number | boolean | null)[][] = WRITTEN.map(() => new Array(chunk.length));
      chunk.forEach((v, row) => {
        const values: (string | number | boolean | null)[] = [
          v.key,
          v.uuid,
          JSON.stringify(v.deleted ? {} : (v.values ?? {})),
          v.deleted,
          etagOf(v.state),
          v.state.endpoint,
          v.state.tick,
          v.state.stamp,
          v.state.user ?? null,
          v.knowledge ? JSON.stringify(v.knowledge) : null,
          true,
        ];
        values.forEach((value, c) => (columns[c][row] = value));
      });
      // An array binding is one SQL array (nulls included); knex types it as an array of one type only.
      await db.raw(UPSERT_VERSIONS, [endpointId, ...(columns as string[][])]);
    }
  } catch (err) {
    if (isStateTaken(err)) throw new SyncStateTaken();
    throw err;
  }
}

/**
 * Two resources of one endpoint would carry the same sync state (endpoint, tick): the unique index on the
 * state refused the write, so the transaction holds nothing of it. A tick names one change of one resource.
 */
export class SyncStateTaken extends Error {
  constructor() {
    super('a sync state (endpoint, tick) would name two resources');
    this.name = 'SyncStateTaken';
  }
}

/** A unique violation of the (endpoint, state endpoint, state tick) index, on PostgreSQL or PGlite. */
function isStateTaken(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e?.code === '23505' && /state_endpoint_state_tick/.test(e.constraint ?? e.message ?? '');
}
