/**
 * Where the store of a table-backed kind lives. The store is sdata-sync's ordinary set of tables (endpoints
 * with their clocks, resources = one sync state per application row, digests, contexts, ...), so everything
 * above store/ runs one code path:
 *   - `connection` given: in the application's database, in schema `adapterSchema` (our migrations run
 *     there at install), reached by a knex of its own whose search_path is that schema;
 *   - `connection` absent: the server's own store (its database and schema); `adapterSchema` then holds only
 *     the capture functions and the record of what was installed. This is how PGlite serves table-backed
 *     kinds: nothing else can connect to it.
 * Kinds on the same connection and adapterSchema share one store (one knex).
 */
import knexFactory from 'knex';
import { endpointDefs, type EndpointDef } from '../../config/catalog';
import type { Config } from '../../config/schema';
import type { Db, DbOrTx } from '../db';
import { tableMappingOf, type TableMapping } from './mapping';

interface TableBackedEndpoint {
  def: EndpointDef;
  mapping: TableMapping;
}

export interface TableStore {
  /** The database of the store's tables (and of the application's tables). */
  db: Db;
  /** Schema of the store's tables. */
  schema: string;
  /** True when this is the server's own store (no `connection`): not to be closed or migrated here. */
  shared: boolean;
  connection?: string;
  adapterSchema: string;
  /** The table-backed endpoints kept in this store. */
  endpoints: TableBackedEndpoint[];
}

export interface TableStores {
  stores: TableStore[];
  /** The store of a table-backed endpoint, by its URL; undefined for an endpoint of sdata-sync's own tables. */
  storeOf(endpointUrl: string): TableStore | undefined;
  /** Closes the knex instances this opened (never the server's). */
  close(): Promise<void>;
}

/** The table-backed endpoints of a configuration, grouped by store (connection + adapterSchema). */
function tableBackedGroups(cfg: Config): TableBackedEndpoint[][] {
  const groups = new Map<string, TableBackedEndpoint[]>();
  for (const def of endpointDefs(cfg)) {
    const mapping = tableMappingOf(def.kind);
    if (!mapping) continue;
    const id = `${mapping.connection ?? ''}\u0000${mapping.adapterSchema}`;
    const group = groups.get(id) ?? [];
    group.push({ def, mapping });
    groups.set(id, group);
  }
  return [...groups.values()];
}

/** The schema unqualified names of `db` resolve to (where its store tables are). */
async function currentSchema(db: DbOrTx): Promise<string> {
  const { rows } = await db.raw<{ rows: { schema: string }[] }>('SELECT current_schema() AS schema');
  return rows[0].schema;
}

/** A knex on the application's database whose unqualified names resolve in the adapter schema. */
function openAdapterDatabase(connection: string, adapterSchema: string, poolMax = 10): Db {
  return knexFactory({ client: 'pg', connection, searchPath: [adapterSchema], pool: { min: 0, max: poolMax } });
}

/** True when a table-backed kind of `cfg` lives in the server's own database (its store is the server's). */
export function needsServerStore(cfg: Config): boolean {
  return tableBackedGroups(cfg).some((g) => g[0].mapping.connection === undefined);
}

/** Opens the store of every table-backed kind of `cfg` (`serverDb`: the server's own store, when needed). */
export async function openTableStores(cfg: Config, serverDb?: Db): Promise<TableStores> {
  const stores: TableStore[] = [];
  const serverSchema = serverDb ? await currentSchema(serverDb) : undefined;
  for (const endpoints of tableBackedGroups(cfg)) {
    const { connection, adapterSchema } = endpoints[0].mapping;
    if (connection) {
      stores.push({ db: openAdapterDatabase(connection, adapterSchema), schema: adapterSchema, shared: false, connection, adapterSchema, endpoints });
    } else {
      if (!serverDb || !serverSchema) throw new Error('openTableStores: a table-backed kind without a connection needs the server\'s own database');
      stores.push({ db: serverDb, schema: serverSchema, shared: true, adapterSchema, endpoints });
    }
  }
  const byUrl = new Map(stores.flatMap((s) => s.endpoints.map((e) => [e.def.url, s] as const)));
  return {
    stores,
    storeOf: (url) => byUrl.get(url),
    close: async () => {
      await Promise.all(stores.filter((s) => !s.shared).map((s) => s.db.destroy()));
    },
  };
}
