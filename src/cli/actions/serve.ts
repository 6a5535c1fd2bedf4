/** What `sdata-sync serve` does (its options: commands/serve.ts): the endpoint server of the configured applications; prints each endpoint URL. */
import { endpointDefs } from '../../config/catalog';
import { loadConfig } from '../../config/load';
import { startServer } from '../../endpoint/server';
import { createLog } from '../log';
import { checkPortsFree, portValue } from '../ports';
import { onShutdown } from '../shutdown';

export interface ServeCliOptions {
  config?: string;
  port?: string;
}

export async function runServe(o: ServeCliOptions): Promise<void> {
  const port = portValue('--port', o.port);
  const cfg = loadConfig(o.config);
  if (port !== undefined) cfg.server.port = port; // --port overrides PORT, which overrides server.port
  await checkPortsFree([{ port: cfg.server.port, host: cfg.server.host, setBy: port !== undefined ? '--port' : process.env.PORT !== undefined ? 'PORT' : 'server.port' }]);
  const log = createLog(cfg.log.level, 'sdata-sync serve');
  const server = await startServer(cfg, { log });
  process.stdout.write(`listening on ${server.url}\n`);
  for (const def of endpointDefs(cfg)) process.stdout.write(`${def.url}\n`);
  onShutdown(() => server.close(), log);
}
