/**
 * A command that refuses to start ends, with a non-zero exit code (2 for a bad configuration, 1 for a
 * failure) and a message saying why; it never stays alive listening on nothing, nor half-started:
 * - `serve` with a table-backed kind whose table and capture are not installed;
 * - `serve` with an unknown key in its configuration file (exit 2, the key's path and a did-you-mean);
 * - `npm start` (`demo`) with LOGGER_PORT taken: every port is checked before anything starts;
 * - `serve`, `logger` and `engine` with their port taken, naming what chose it.
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { databaseEnv, dropDatabases, exitWithin, freePort, spawnCli, tempDir, writeYaml, type DatabaseKind } from './support/processes';
import { checkPortsFree } from '../../src/cli/ports';

jest.setTimeout(300_000);

/** A refused start ends within this (a start-up on a busy machine can take tens of seconds). */
const REFUSED_WITHIN = 180_000;

const databases: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

afterAll(async () => {
  await dropDatabases();
});

/** A port held by this test process (another program on the machine, for the command under test). */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as { port: number }).port, server };
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe.each(databases)('[%s] a server that refuses to start', (kind) => {
  it('exits 2 when a table-backed kind has no capture installed (its table neither), instead of lingering', async () => {
    const dir = tempDir();
    const table = `absent_${Date.now()}`;
    const config = writeYaml(dir, 'table.yaml', {
      log: { level: 'warn' },
      applications: [{ name: 'shop', contract: 'test', namespace: 'urn:shop', kinds: [{ name: 'customers', element: 'customer', table: { name: table, key: 'id' }, properties: { name: { type: 'string' } } }] }],
    });
    const proc = spawnCli(['serve', '--config', config], { ...(await databaseEnv(kind, dir, 'table')), PORT: String(await freePort()) });
    expect(await exitWithin(proc, REFUSED_WITHIN)).toEqual({ code: 2, signal: null });
    expect(proc.stderr()).toContain(`error: table public.${table} does not exist (kind customers)`);
  });
});

describe('refusals at start', () => {
  const dir = tempDir();

  it('serve: an unknown key of the configuration file exits 2 naming its path, with a did-you-mean', async () => {
    const config = writeYaml(dir, 'typo.yaml', { server: { prot: 3390 }, securty: { users: [] } });
    const proc = spawnCli(['serve', '--config', config], { PORT: String(await freePort()), DATA_DIR: join(dir, 'typo-data') });
    expect(await exitWithin(proc, REFUSED_WITHIN)).toEqual({ code: 2, signal: null });
    expect(proc.stderr()).toContain("server.prot: unknown key; did you mean 'port'?");
    expect(proc.stderr()).toContain("securty: unknown key; did you mean 'security'?");
  });

  it('npm start (demo) with LOGGER_PORT taken exits 1 naming the port and its variable, nothing left listening', async () => {
    const taken = await occupiedPort();
    const ports = { PORT: await freePort(), ENGINE_PORT: await freePort() };
    try {
      const demo = spawnCli(['demo'], { PORT: String(ports.PORT), LOGGER_PORT: String(taken.port), ENGINE_PORT: String(ports.ENGINE_PORT), DATA_DIR: join(dir, 'demo-data') });
      expect(await exitWithin(demo, REFUSED_WITHIN)).toEqual({ code: 1, signal: null });
      expect(demo.stderr()).toContain(`error: port ${taken.port} on 127.0.0.1 (LOGGER_PORT) is in use by another process`);
      expect(demo.stdout()).toBe('');
      await expect(checkPortsFree([{ port: ports.PORT, host: '127.0.0.1', setBy: 'PORT' }, { port: ports.ENGINE_PORT, host: '127.0.0.1', setBy: 'ENGINE_PORT' }])).resolves.toBeUndefined();
    } finally {
      await close(taken.server);
    }
  });

  it('serve, logger and engine with their port taken exit 1 naming the port and what chose it', async () => {
    const taken = await occupiedPort();
    const engineConfig = writeYaml(dir, 'engine.yaml', {
      log: { level: 'warn' },
      engine: { http: { port: taken.port }, routes: [{ source: 'http://127.0.0.1:9/sdata/crm/test/-', target: 'http://127.0.0.1:9/sdata/erp/test/-' }] },
    });
    try {
      const refused = [
        { proc: spawnCli(['serve'], { PORT: String(taken.port), DATA_DIR: join(dir, 'serve-data') }), setBy: 'PORT' },
        { proc: spawnCli(['logger', '--port', String(taken.port)], { DATA_DIR: join(dir, 'logger-data') }), setBy: '--port' },
        { proc: spawnCli(['engine', '--config', engineConfig]), setBy: 'engine.http.port' },
      ];
      for (const { proc, setBy } of refused) {
        expect(await exitWithin(proc, REFUSED_WITHIN)).toEqual({ code: 1, signal: null });
        expect(proc.stderr()).toContain(`error: port ${taken.port} on 127.0.0.1 (${setBy}) is in use by another process`);
      }
    } finally {
      await close(taken.server);
    }
  });
});
