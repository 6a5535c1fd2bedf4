/** What `sdata-sync engine` does (its options: commands/engine.ts): the sync engine daemon running the configured routes on their schedules. */
import { loadConfig } from '../../config/load';
import { startEngine } from '../../engine/daemon';
import { startEngineListener, type EngineListener } from '../../engine/listener';
import { createLog } from '../log';
import { checkPortsFree } from '../ports';
import { onShutdown } from '../shutdown';
import { UsageError } from '../usage';

export interface EngineCliOptions {
  config: string;
  runAtStart?: boolean;
}

export async function runEngine(o: EngineCliOptions): Promise<void> {
  const cfg = loadConfig(o.config);
  if (cfg.engine.routes.length === 0) throw new UsageError(`${o.config} declares no engine.routes`);
  await checkPortsFree([{ port: cfg.engine.http.port, host: cfg.engine.http.host, setBy: 'engine.http.port' }]);
  const log = createLog(cfg.log.level, 'sdata-sync engine');
  const engine = await startEngine(cfg.engine, { log, runAtStart: o.runAtStart });
  let listener: EngineListener;
  try {
    listener = await startEngineListener(cfg, engine, { log });
  } catch (err) {
    await engine.stop();
    throw err;
  }
  process.stdout.write(`engine listening on ${listener.url}\n`);
  onShutdown(async () => {
    await listener.close();
    await engine.stop();
  }, log);
}
