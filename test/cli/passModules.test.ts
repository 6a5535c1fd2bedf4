/**
 * What a command loads at start: `sdata-sync pass` (run by schedulers, paying its start every time) loads
 * the engine's client code and not the server's, the database's, the metrics' or the other commands'; `--help`
 * loads the declarations only. The CLI is run as a process, compiled as the end-to-end tests run it (the
 * run's build, SDATA_CLI_COMPILED), with a preloaded script that writes the loaded files when it exits: this
 * counts modules, so it does not depend on the machine's load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childNodeArgs, ROOT } from '../e2e/support/processes';

const dir = mkdtempSync(join(tmpdir(), 'sdata-cli-modules-'));
const report = join(dir, 'report.js');
writeFileSync(report, "process.on('exit', () => process.stderr.write(`\\nloaded: ${JSON.stringify(Object.keys(require.cache))}\\n`));\n");

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The files loaded by the CLI run with `args`, relative to the checkout (packages as node_modules/NAME/...). */
function loadedFiles(args: string[]): { code: number | null; stderr: string; files: string[] } {
  const compiled = process.env.SDATA_CLI_COMPILED;
  if (!compiled) throw new Error('SDATA_CLI_COMPILED names no build (jest global setup makes one)');
  const r = spawnSync(process.execPath, [...childNodeArgs({ tsx: false }), '--require', report, join(resolve(ROOT, compiled), 'src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' } });
  const m = /\nloaded: (\[.*\])\n/.exec(r.stderr);
  if (!m) throw new Error(`no list of loaded files; exit ${r.status}\n${r.stderr}`);
  const files = (JSON.parse(m[1]) as string[]).map((f) => f.replace(/^.*?\/node_modules\//, 'node_modules/').replace(/^.*?\/(src|migrations)\//, '$1/'));
  return { code: r.status, stderr: r.stderr, files };
}

const packageOf = (file: string) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
const srcFolderOf = (file: string) => /^src\/([^/]+)\//.exec(file)?.[1];

describe('modules a command loads', () => {
  it('pass loads no server, database, metrics or other command code', () => {
    // Endpoint URLs with --kinds: refused (exit 2) by the pass's own action, once its whole module graph is loaded.
    const { code, stderr, files } = loadedFiles(['pass', '--source', 'http://127.0.0.1:9/sdata/crm/test/-/accounts', '--target', 'http://127.0.0.1:9/sdata/erp/test/-/accounts', '--kinds', 'accounts']);
    expect(code).toBe(2);
    expect(stderr).toContain('--kinds needs application URLs');
    expect(files.some((f) => /^src\/cli\/actions\/pass\.[jt]s$/.test(f))).toBe(true);
    expect(files.some((f) => /^src\/engine\/pass\.[jt]s$/.test(f))).toBe(true);
    const packages = new Set(files.map(packageOf).filter((p) => p !== undefined));
    for (const heavy of ['express', '@electric-sql/pglite', 'knex', 'knex-pglite', 'pg', 'pino-http', 'prom-client', 'rate-limiter-flexible', 'proper-lockfile', 'cli-progress', 'xmlbuilder2']) {
      expect([heavy, packages.has(heavy)]).toEqual([heavy, false]);
    }
    const folders = new Set(files.map(srcFolderOf));
    for (const other of ['endpoint', 'logger', 'store', 'metrics', 'http', 'query', 'json']) expect([other, folders.has(other)]).toEqual([other, false]);
    expect(files.filter((f) => /^src\/cli\/actions\//.test(f)).map((f) => f.replace(/\.[jt]s$/, ''))).toEqual(['src/cli/actions/pass']);
  });

  it('--help loads the command declarations and commander only', () => {
    const { code, files } = loadedFiles(['--help']);
    expect(code).toBe(0);
    expect([...new Set(files.map(packageOf).filter((p) => p !== undefined))]).toEqual(['commander']);
    expect(files.filter((f) => /^src\/cli\/actions\//.test(f))).toEqual([]);
    expect([...new Set(files.map(srcFolderOf).filter((f) => f !== undefined && f !== 'cli'))].sort()).toEqual(['engine', 'protocol']);
  });
});
