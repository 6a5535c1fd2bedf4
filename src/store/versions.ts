/**
 * Resource versions as the sync services see them: the stored payload with its sync state and knowledge,
 * read by UUID in batches and written with one upsert per 500 rows.
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
  return createHash('sha256').update(`${state.endpoint}\n${state.tick}`).digest('base64url').slice(0, 16);
}

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

const CHUNK = 500;

export async function loadVersionsByUuid(db: DbOrTx, endpointId: number, uuids: string[]): Promise<Map<string, StoredVersion & { key: string }>> {
  const out = new Map<string, StoredVersion & { key: string }>();
  for (let i = 0; i < uuids.length; i += CHUNK) {
    const rows = await db('resources').select(VERSION_COLUMNS).where('endpoint_id', endpointId).whereIn('uuid', uuids.slice(i, i + CHUNK));
    for (const r of rows) out.set(r.uuid, versionOf(r));
  }
  return out;
}

/**
 * Inserts or replaces versions by local key (each with its sync state, knowledge and ETag). A version
 * written here came from another endpoint or was resolved against one: its UUID is known beyond this
 * endpoint, so the resource is linked (PROTOCOL.md 2.7).
 */
export async function writeVersions(db: DbOrTx, endpointId: number, versions: (StoredVersion & { key: string })[]): Promise<void> {
  const rows = versions.map((v) => ({
    endpoint_id: endpointId,
    local_key: v.key,
    uuid: v.uuid,
    payload: JSON.stringify(v.deleted ? {} : (v.values ?? {})),
    deleted: v.deleted,
    etag: etagOf(v.state),
    state_endpoint: v.state.endpoint,
    state_tick: v.state.tick,
    state_stamp: v.state.stamp,
    state_user: v.state.user ?? null,
    knowledge: v.knowledge ? JSON.stringify(v.knowledge) : null,
    linked: true,
  }));
  try {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await db('resources')
        .insert(rows.slice(i, i + CHUNK))
        .onConflict(['endpoint_id', 'local_key'])
        .merge(['uuid', 'payload', 'deleted', 'etag', 'state_endpoint', 'state_tick', 'state_stamp', 'state_user', 'knowledge', 'linked']);
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
