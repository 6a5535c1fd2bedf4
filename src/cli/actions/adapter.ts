/**
 * What `sdata-sync adapter install|remove --config F` does (its options: commands/adapter.ts): puts the change capture of every table-backed kind into
 * its database, or takes it away (one transaction per database; see store/tableBacked/install.ts).
 */
import { loadConfig } from '../../config/load';
import type { Config } from '../../config/schema';
import { openDatabase, type Db } from '../../store/db';
import { installStore, removeStore } from '../../store/tableBacked/install';
import { needsServerStore, openTableStores, type TableStore } from '../../store/tableBacked/stores';
import { UsageError } from '../usage';

/** Runs `work` on every store of the configuration's table-backed kinds, then closes what it opened. */
async function eachStore(cfg: Config, work: (store: TableStore) => Promise<void>): Promise<void> {
  let serverDb: Db | undefined;
  if (needsServerStore(cfg)) serverDb = await openDatabase({ databaseUrl: cfg.storage.databaseUrl, dataDir: cfg.storage.dataDir, lockStaleSeconds: cfg.storage.lockStaleSeconds, pgliteSharedBuffersMB: cfg.storage.pglite.sharedBuffersMB });
  try {
    const stores = await openTableStores(cfg, serverDb);
    try {
      if (stores.stores.length === 0) throw new UsageError('the configuration declares no table-backed kind (a kind with `table:`)');
      for (const store of stores.stores) await work(store);
    } finally {
      await stores.close();
    }
  } finally {
    await serverDb?.destroy();
  }
}

function where(store: TableStore): string {
  return store.shared ? `schema ${store.adapterSchema} of the server's database` : `schema ${store.adapterSchema} of ${new URL(store.connection!).host}${new URL(store.connection!).pathname}`;
}

export interface AdapterCliOptions {
  config: string;
}

export async function runAdapterInstall(o: AdapterCliOptions): Promise<void> {
  await eachStore(loadConfig(o.config), async (store) => {
    for (const t of await installStore(store)) {
      const parts = [`${t.captured} rows captured`, ...(t.recaptured ? [`${t.recaptured} recaptured`] : []), t.replaced ? 'triggers installed' : 'triggers unchanged'];
      process.stdout.write(`${t.table} -> ${t.endpointUrl}: ${parts.join(', ')} (${where(store)})\n`);
    }
  });
}

export async function runAdapterRemove(o: AdapterCliOptions): Promise<void> {
  await eachStore(loadConfig(o.config), async (store) => {
    const { tables } = await removeStore(store);
    process.stdout.write(tables.length ? `removed the capture of ${tables.join(', ')} and ${where(store)}\n` : `nothing installed in ${where(store)}\n`);
  });
}
