/** The engine as its own process (`sdata-sync engine --config`), with its log lines (pino JSON on stderr) readable. */
import { spawnCli, writeYaml, type CliProcess } from './processes';
import { waitUntil } from './sdata';

export interface EngineProcess {
  proc: CliProcess;
  /** The engine's log lines, parsed. */
  lines(): { msg: string; route?: string; source?: string; target?: string; [k: string]: unknown }[];
  stop(): Promise<void>;
}

export async function startEngineProcess(dir: string, engine: Record<string, unknown>, name = 'engine'): Promise<EngineProcess> {
  // Its HTTP listener on a free port: several engines may run at once.
  const file = writeYaml(dir, `${name}.yaml`, { log: { level: 'info' }, engine: { http: { port: 0 }, ...engine } });
  const proc = spawnCli(['engine', '--config', file], { LOG_LEVEL: 'info' });
  const lines = () =>
    proc
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string });
  const routes = (engine.routes as unknown[]).length;
  await waitUntil('the engine listens on every route', async () => lines().filter((l) => l.msg === 'route is listening').length === routes, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\nengine stderr: ${proc.stderr().slice(-3000)}`);
  });
  return { proc, lines, stop: async () => void (await proc.stop()) };
}

/** A digest as ticks by endpoint; an entry at tick 1 says no more than an absent one (ticks start at 1). */
export function ticksOf(d: { entries: { endpoint: string; tick: number }[] }): Record<string, number> {
  return Object.fromEntries(d.entries.filter((e) => e.tick > 1).map((e) => [e.endpoint, e.tick] as const).sort(([a], [b]) => a.localeCompare(b)));
}
