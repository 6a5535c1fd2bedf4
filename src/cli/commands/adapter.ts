/**
 * `sdata-sync adapter install|remove --config F`: puts the change capture of every table-backed kind into
 * its database, or takes it away (one transaction per database; see store/tableBacked/install.ts).
 */
import { Command } from 'commander';
import { loadConfig } from '../../config/load';
import type { Config } from '../../config/schema';
import { openDatabase, type Db } from '../../store/db';
import { installStore, removeStore } from '../../store/tableBacked/install';
import { needsServerStore, openTableStores, type TableStore } from '../../store/tableBacked/stores';
import { UsageError } from '../usage';

/** Runs `work` on every store of the configuration's table-backed kinds, then closes what it opened. */
async function eachStore(cfg: Config, work: (store: TableStore) => Promise<void>): Promise<void> {
  let serverDb: Db | undefined;
  if (needsServerStore(cfg)) serverDb = await openDatabase({ databaseUrl: cfg.storage.databaseUrl, dataDir: cfg.storage.dataDir, lockStaleSeconds: cfg.storage.lockStaleSeconds });
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

export function adapterCommand(): Command {
  const adapter = new Command('adapter').description("change capture of table-backed kinds in the application's database");
  adapter
    .command('install')
    .exitOverride()
    .description('check the tables, create the adapter schema, sync states for existing rows and the capture triggers (idempotent)')
    .requiredOption('--config <file>', 'configuration file')
    .action(async (o: { config: string }) => {
      await eachStore(loadConfig(o.config), async (store) => {
        for (const t of await installStore(store)) {
          const parts = [`${t.captured} rows captured`, ...(t.recaptured ? [`${t.recaptured} recaptured`] : []), t.replaced ? 'triggers installed' : 'triggers unchanged'];
          process.stdout.write(`${t.table} -> ${t.endpointUrl}: ${parts.join(', ')} (${where(store)})\n`);
        }
      });
    });
  adapter
    .command('remove')
    .exitOverride()
    .description('drop the capture triggers and the adapter schema with everything in it (idempotent)')
    .requiredOption('--config <file>', 'configuration file')
    .action(async (o: { config: string }) => {
      await eachStore(loadConfig(o.config), async (store) => {
        const { tables } = await removeStore(store);
        process.stdout.write(tables.length ? `removed the capture of ${tables.join(', ')} and ${where(store)}\n` : `nothing installed in ${where(store)}\n`);
      });
    });
  return adapter;
}
