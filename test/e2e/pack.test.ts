/**
 * The package as published: `npm pack` (whose prepack compiles) holds the compiled CLI, the compiled
 * migrations, the bin and the README, and no TypeScript; installed into an empty folder, `npx sdata-sync
 * serve` there serves the demo on embedded PGlite, without tsx.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ROOT, tempDir } from './support/processes';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Environment of the packed CLI: ours without the database, port and log settings of the test run. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'PORT', 'LOGGER_PORT', 'PUBLIC_BASE_URL', 'NODE_OPTIONS', 'LOG_LEVEL']) delete env[k];
  return { ...env, ...extra };
}

describe('npm pack', () => {
  jest.setTimeout(240_000);
  const dir = tempDir('sdata-sync-pack-');
  const app = join(dir, 'app');
  let files: string[];
  let tarball: string;
  let serve: ChildProcess | undefined;

  beforeAll(async () => {
    const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    // prepack's own output comes first; npm's JSON report is the last thing printed.
    const report = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as { filename: string; files: { path: string }[] }[];
    files = report[0].files.map((f) => f.path);
    tarball = join(dir, report[0].filename);
  });

  afterAll(async () => {
    if (serve?.pid && serve.exitCode === null) {
      const exited = new Promise((resolve) => serve!.once('exit', resolve));
      process.kill(-serve.pid, 'SIGTERM');
      await exited;
    }
  });

  it('holds the compiled CLI, the compiled migrations, the bin, the README and the protocol document, and no TypeScript', () => {
    expect(files).toEqual(expect.arrayContaining(['bin/sdata-sync.js', 'dist/src/cli/main.js', 'dist/src/store/migrate.js', 'dist/migrations/index.js', 'dist/migrations/001_core.js', 'README.md', 'package.json', 'src/protocol/PROTOCOL.md']));
    // Of the sources, only the protocol document ships (beside the rules it names, as in the repository).
    expect(files.filter((f) => f !== 'src/protocol/PROTOCOL.md' && (/\.ts$/.test(f) || /^(src|test|bench|migrations)\//.test(f)))).toEqual([]);
  });

  it('installed into an empty folder, serves the demo with npx sdata-sync serve', async () => {
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "name": "sdata-sync-pack-check", "private": true }\n');
    await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
    // Production dependencies only: the compiled CLI needs no TypeScript runner.
    expect(existsSync(join(app, 'node_modules', 'sdata-sync', 'dist', 'src', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);

    const port = await freePort();
    // Its own process group, so that the server npx starts ends with it.
    serve = spawn('npx', ['--no-install', 'sdata-sync', 'serve'], { cwd: app, detached: true, env: cleanEnv({ PORT: String(port), LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    serve.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    serve.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
    const deadline = Date.now() + 120_000;
    while (!/^http:\/\/\S+\/sdata\/erp\/test\/-\/contacts$/m.test(out)) {
      if (serve.exitCode !== null || Date.now() > deadline) throw new Error(`npx sdata-sync serve did not start\nstdout: ${out}\nstderr: ${err}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const res = await fetch(`http://127.0.0.1:${port}/sdata/crm/test/-`);
    expect(res.status).toBe(200);
    const feed = await res.text();
    for (const kind of ['accounts', 'contacts']) expect(feed).toContain(`http://localhost:${port}/sdata/crm/test/-/${kind}`);
    // The PGlite folder is the default ./data of the folder it runs in.
    expect(existsSync(join(app, 'data'))).toBe(true);
  });
});
