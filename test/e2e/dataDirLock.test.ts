/**
 * One process per PGlite data folder, with real processes: a second `serve` (or a `logger`) given the folder
 * a server holds refuses to start, exit 1, naming the folder and the holder's pid, instead of splitting the
 * data with it; once the holder stops, a new start succeeds; after a SIGKILL of the holder (its lock left
 * behind), a new start takes the lock over once it is stale (`storage.lockStaleSeconds`).
 */
import { realpathSync, rmSync } from 'node:fs';
import { APPS } from './support/fixtures';
import { databaseEnv, exitWithin, freePort, spawnCli, startServe, tempDir, writeYaml } from './support/processes';

jest.setTimeout(300_000);

/** A refused start ends within this (a start-up on a busy machine can take tens of seconds). */
const REFUSED_WITHIN = 180_000;

describe('[pglite] one process per data folder', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second server and a logger on the folder a server holds, naming folder and pid; starts once the holder stopped', async () => {
    const env = await databaseEnv('pglite', dir, 'held');
    const folder = realpathSync(env.DATA_DIR);
    const config = writeYaml(dir, 'held.yaml', { log: { level: 'warn' }, applications: [APPS.crm] });
    const holder = await startServe(config, env, undefined, 120_000);
    try {
      const second = spawnCli(['serve', '--config', config], { ...env, PORT: String(await freePort()) });
      const logger = spawnCli(['logger', '--port', String(await freePort())], env);
      for (const refused of [second, logger]) {
        expect(await exitWithin(refused, REFUSED_WITHIN)).toEqual({ code: 1, signal: null });
        expect(refused.stderr()).toContain(`the data folder ${folder} is in use by process ${holder.proc.pid}`);
      }
    } finally {
      expect(await holder.proc.stop()).toEqual({ code: 0, signal: null });
    }
    const next = await startServe(config, env, undefined, 120_000);
    await next.proc.stop();
  });

  it('after a SIGKILL of the holder, a new start takes its lock over once it is stale', async () => {
    const env = await databaseEnv('pglite', dir, 'killed');
    const config = writeYaml(dir, 'killed.yaml', { log: { level: 'warn' }, storage: { lockStaleSeconds: 2 }, applications: [APPS.crm] });
    const holder = await startServe(config, env, undefined, 120_000);
    expect(await holder.proc.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // The lock is still there: the new start waits for it to go stale (2 s), then serves the folder.
    const next = await startServe(config, env, undefined, 120_000);
    const accounts = await fetch(`${next.url}/sdata/crm/test/-/accounts`, { signal: AbortSignal.timeout(30_000) });
    expect(accounts.status).toBe(200);
    expect(await next.proc.stop()).toEqual({ code: 0, signal: null });
  });
});
