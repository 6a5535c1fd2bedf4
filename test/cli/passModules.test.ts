/**
 * What a command loads at start: `sdata-sync pass` (run by schedulers, paying its start every time) loads
 * the engine's client code and not the server's, the database's, the metrics' or the other commands'; `--help`
 * loads the declarations only. The CLI is run as a process, compiled as the end-to-end tests run it (the
 * run's build, SDATA_CLI_COMPILED), with a preloaded script that writes the loaded files when it exits: this
 * counts modules, so it does not depend on the machine's load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childNodeArgs, ROOT } from '../e2e/support/processes';

const dir = mkdtempSync(join(tmpdir(), 'sdata-cli-modules-'));
const report = join(dir, 'report.js');
writeFileSync(report, "process.on('exit', () => process.stderr.write(`\\nloaded: ${JSON.stringify(Object.keys(require.cache))}\\n`));\n");

// A pass runs its whole course against this server, which answers every request 404: the pass fails (exit 1) on its first request.
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not here'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sdata`;
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise((done) => server.close(done));
});

/** The files loaded by the CLI run with `args`, relative to the checkout (packages as node_modules/NAME/...). */
async function loadedFiles(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; files: string[] }> {
  const compiled = process.env.SDATA_CLI_COMPILED;
  if (!compiled) throw new Error('SDATA_CLI_COMPILED names no build (jest global setup makes one)');
  const child = spawn(process.execPath, [...childNodeArgs({ tsx: false }), '--require', report, join(resolve(ROOT, compiled), 'src/cli/main.js'), ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await new Promise<number | null>((done) => child.once('close', done));
  const m = /\nloaded: (\[.*\])\n/.exec(stderr);
  if (!m) throw new Error(`no list of loaded files; exit ${code}\n${stderr}`);
  const files = (JSON.parse(m[1]) as string[]).map((f) => f.replace(/^.*?\/node_modules\//, 'node_modules/').replace(/^.*?\/(src|migrations)\//, '$1/'));
  return { code, stdout, stderr, files };
}

const packageOf = (file: string) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
const srcFolderOf = (file: string) => /^src\/([^/]+)\//.exec(file)?.[1];

describe('modules a command loads', () => {
  it('pass loads no server, database, metrics, validation or other command code', async () => {
    // The whole course of a pass without --config: settings, client, first request, its failure, the summary.
    const { code, stdout, files } = await loadedFiles(['pass', '--source', `${base}/crm/test/-/accounts`, '--target', `${base}/erp/test/-/accounts`]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/failed: .*404/);
    expect(files.some((f) => /^src\/cli\/actions\/pass\.[jt]s$/.test(f))).toBe(true);
    expect(files.some((f) => /^src\/engine\/pass\.[jt]s$/.test(f))).toBe(true);
    const packages = new Set(files.map(packageOf).filter((p) => p !== undefined));
    // Without --config nothing is parsed or validated (zod, yaml). (undici is the engine's HTTP client: the
    // first request loads it.)
    for (const heavy of ['express', '@electric-sql/pglite', 'knex', 'knex-pglite', 'pg', 'pino-http', 'prom-client', 'rate-limiter-flexible', 'proper-lockfile', 'cli-progress', 'xmlbuilder2', 'zod', 'yaml', 'croner', 'fastest-levenshtein']) {
      expect([heavy, packages.has(heavy)]).toEqual([heavy, false]);
    }
    const folders = new Set(files.map(srcFolderOf));
    for (const other of ['endpoint', 'logger', 'store', 'metrics', 'http', 'query', 'json']) expect([other, folders.has(other)]).toEqual([other, false]);
    expect(files.filter((f) => /^src\/cli\/actions\//.test(f)).map((f) => f.replace(/\.[jt]s$/, ''))).toEqual(['src/cli/actions/pass']);
  });

  it('--help loads the command declarations and commander only', async () => {
    const { code, files } = await loadedFiles(['--help']);
    expect(code).toBe(0);
    expect([...new Set(files.map(packageOf).filter((p) => p !== undefined))]).toEqual(['commander']);
    expect(files.filter((f) => /^src\/cli\/actions\//.test(f))).toEqual([]);
    expect([...new Set(files.map(srcFolderOf).filter((f) => f !== undefined && f !== 'cli'))].sort()).toEqual(['config', 'engine', 'protocol']);
    expect(files.filter((f) => /^src\/config\//.test(f)).map((f) => f.replace(/\.[jt]s$/, ''))).toEqual(['src/config/packageFiles']); // the version
  });
});
