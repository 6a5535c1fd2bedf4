/**
 * Endpoint registration: at start, every endpoint the configuration declares gets its `endpoints` row,
 * found by URL (its identity). A registered endpoint keeps its clock, keys and digest across restarts.
 * Its conflict priority follows the configuration when the configuration changed it since the last start,
 * and otherwise stays as PUT $syncDigest may have set it; `$schema` shows the current one.
 */
import type { Db } from './db';
import type { EndpointDef } from '../config/catalog';
import type { AppTable } from './tableBacked/appRows';
import type { PartitionSet } from './partitionSet';

export interface RegisteredEndpoint {
  id: number;
  url: string;
  def: EndpointDef;
  /** The store holding the endpoint's clock, digest and resources (ids are unique within a store only). */
  db: Db;
  /** A table-backed endpoint: the application's table its resources are the rows of. */
  table?: AppTable;
  /** A partitioned kind's endpoint or one of its partitions' (PROTOCOL.md 2.9): the kind's partitions. */
  partitions?: PartitionSet;
}

/** Inserts or updates the rows of the given endpoints (one statement) and returns them with their ids and store. */
export async function registerEndpoints(db: Db, defs: EndpointDef[]): Promise<RegisteredEndpoint[]> {
  if (defs.length === 0) return [];
  const rows = defs.map((d) => ({
    url: d.url,
    app: d.app.name,
    contract: d.app.contract,
    dataset: d.app.dataset,
    kind: d.kind.name,
    priority: d.priority,
    config_priority: d.priority,
  }));
  const saved: { id: number; url: string }[] = await db('endpoints')
    .insert(rows)
    .onConflict('url')
    .merge({
      app: db.raw('excluded.app'),
      contract: db.raw('excluded.contract'),
      dataset: db.raw('excluded.dataset'),
      kind: db.raw('excluded.kind'),
      priority: db.raw('CASE WHEN endpoints.config_priority IS DISTINCT FROM excluded.config_priority THEN excluded.priority ELSE endpoints.priority END'),
      config_priority: db.raw('excluded.config_priority'),
    })
    .returning(['id', 'url']);
  const ids = new Map(saved.map((r) => [r.url, r.id]));
  return defs.map((def) => ({ id: ids.get(def.url)!, url: def.url, def, db }));
}

/** The endpoints' definitions with their current conflict priority. */
export async function withCurrentPriorities(endpoints: RegisteredEndpoint[]): Promise<EndpointDef[]> {
  const priority = new Map<RegisteredEndpoint, number>();
  // Endpoint ids are unique within one store: one query per store.
  for (const db of new Set(endpoints.map((e) => e.db))) {
    const ofStore = endpoints.filter((e) => e.db === db);
    const rows: { id: number; priority: number }[] = await db('endpoints').select('id', 'priority').whereIn('id', ofStore.map((e) => e.id));
    const byId = new Map(rows.map((r) => [r.id, r.priority]));
    for (const e of ofStore) if (byId.has(e.id)) priority.set(e, byId.get(e.id)!);
  }
  return endpoints.map((e) => ({ ...e.def, priority: priority.get(e) ?? e.def.priority }));
}
