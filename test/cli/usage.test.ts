/** Exit codes of the command line: bad usage is 2 (unknown command or option, bad values, bad config). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/program';
import { runCli } from '../e2e/support/processes';

const APP_A = 'http://127.0.0.1:9/sdata/crm/test/-';
const APP_B = 'http://127.0.0.1:9/sdata/erp/test/-';

describe('sdata-sync command line', () => {
  let stderr: jest.SpyInstance;
  let stdout: jest.SpyInstance;
  const dir = mkdtempSync(join(tmpdir(), 'sdata-cli-'));
  const noRoutes = join(dir, 'no-routes.yaml');
  const badConfig = join(dir, 'bad.yaml');
  writeFileSync(noRoutes, 'engine:\n  loggers: []\n');
  writeFileSync(badConfig, 'engine:\n  routes:\n    - source: not-a-url\n      target: http://127.0.0.1:9/sdata/a/b/c\n      schedule: "every day"\n');

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    stdout.mockRestore();
  });

  const written = (spy: jest.SpyInstance) => spy.mock.calls.map((c) => String(c[0])).join('');

  it.each([
    [['nonsense']],
    [['pass']],
    [['pass', '--source', APP_A]],
    [['pass', '--source', 'not a url', '--target', APP_B]],
    [['pass', '--source', 'ftp://127.0.0.1/x', '--target', APP_B]],
    [['pass', '--source', APP_A, '--target', `${APP_B}/accounts`]],
    [['pass', '--source', `${APP_A}/accounts`, '--target', `${APP_B}/accounts`, '--kinds', 'accounts']],
    [['pass', '--source', 'http://127.0.0.1:9/sdata/crm', '--target', APP_B]],
    [['pass', '--source', APP_A, '--target', APP_B, '--page-size', '0']],
    [['pass', '--source', APP_A, '--target', APP_B, '--log', 'nowhere']],
    [['pass', '--source', APP_A, '--target', APP_B, '--unknown-option']],
    [['pass', '--source', APP_A, '--target', APP_B, '--config', join(dir, 'missing.yaml')]],
    [['engine']],
    [['engine', '--config', noRoutes]],
    [['engine', '--config', badConfig]],
    [['logger', '--port', 'eighty']],
    [['serve', '--port', '70000']],
    [['pass', '--sorce', APP_A]],
    [['distribute', '--source', `${APP_A}/accounts`]],
    [['distribute', '--source', APP_A, '--targets', APP_B]],
    [['distribute', '--source', `${APP_A}/accounts`, '--targets', `${APP_B}/accounts,not a url`]],
    [['distribute', '--source', `${APP_A}/accounts`, '--targets', `${APP_B}/accounts`, '--two-phase', '--timeout', 'soon']],
    [['distribute', '--source', `${APP_A}/accounts`, '--targets', `${APP_B}/accounts`, '--timeout', '0s']],
    [['distribute', '--name', 'prices']],
    [['distribute', '--name', 'prices', '--config', noRoutes]],
    [['export', '--source', APP_A, '--floor', 'digest.xml', '--out', 'outbox']],
    [['export', '--source', `${APP_A}/accounts`, '--floor', 'digest.xml']],
    [['import', '--target', `${APP_B}/accounts`]],
    [['import', '--target', APP_B, 'a.xml']],
    [['digest', '--endpoint', `${APP_B}/accounts`]],
  ])('exits 2 on bad usage: %j', async (argv) => {
    expect(await main(argv)).toBe(2);
    expect(written(stderr)).toMatch(/error/i);
  });

  it('names the bad keys of an invalid configuration', async () => {
    await main(['engine', '--config', badConfig]);
    expect(written(stderr)).toMatch(/engine\.routes\.0\.source/);
    expect(written(stderr)).toMatch(/engine\.routes\.0\.schedule: is not a valid cron pattern/);
  });

  it('exits 0 on --help', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(await main(['pass', '--help'])).toBe(0);
    expect(written(stdout)).toMatch(/--source <url>/);
  });

  it.each([[['--help']], [['pass', '--help']], [['import', '--help']]])('%j lists the exit codes', async (argv) => {
    expect(await main(argv)).toBe(0);
    expect(written(stdout)).toMatch(/Exit codes:\n\s+0 +ok\n\s+1 +failed: .*\n(.*\n)?\s+2 +bad usage: an unknown command or option/);
  });

  it('--version prints the version of the package', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(await main(['--version'])).toBe(0);
    expect(written(stdout)).toBe(`${version}\n`);
  });

  it.each([
    [['pass', '--sorce', `${APP_A}/accounts`], '--sorce', '--source'],
    [['pass', '--source', `${APP_A}/accounts`, '--target', `${APP_B}/accounts`, '--pagesize', '10'], '--pagesize', '--page-size'],
    [['import', '--tarrget', `${APP_B}/accounts`, 'outbox'], '--tarrget', '--target'],
    [['adapter', 'install', '--conig', 'sites.yaml'], '--conig', '--config'],
  ])('an unknown option is reported as unknown, before a missing one: %j', async (argv, unknown, meant) => {
    expect(await main(argv)).toBe(2);
    expect(written(stderr)).toContain(`error: unknown option '${unknown}'`);
    expect(written(stderr)).toContain(`(Did you mean ${meant}?)`);
    expect(written(stderr)).not.toMatch(/required option/);
  });

  it('a missing option is still reported as missing', async () => {
    expect(await main(['pass', '--source', `${APP_A}/accounts`])).toBe(2);
    expect(written(stderr)).toMatch(/required option '--target <url>' not specified/);
  });

  it('serve --port chooses the port (a taken one is named as set by --port; nothing starts)', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as AddressInfo).port;
    try {
      expect(await main(['serve', '--port', String(port)])).toBe(1);
      expect(written(stderr)).toContain(`port ${port} on 127.0.0.1 (--port) is in use by another process`);
      expect(await main(['serve', '--port', 'eighty'])).toBe(2);
      expect(written(stderr)).toContain("--port: 'eighty' is not a port number");
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });

  it('exits 1 when a pass cannot reach its endpoints (a run-time failure, not bad usage)', async () => {
    const cfg = join(dir, 'fast-retry.yaml');
    writeFileSync(cfg, 'log:\n  level: silent\nengine:\n  retry: { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 1 }\n');
    expect(await main(['pass', '--source', `${APP_A}/accounts`, '--target', `${APP_B}/accounts`, '--config', cfg])).toBe(1);
    expect(written(stdout)).toMatch(/failed: .*no answer/);
  });

  it('exits 1 when a two-phase distribution cannot reach its targets: nothing is committed anywhere', async () => {
    const cfg = join(dir, 'fast-retry-2.yaml');
    writeFileSync(cfg, 'log:\n  level: silent\nengine:\n  retry: { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 1 }\n');
    expect(await main(['distribute', '--source', `${APP_A}/accounts`, '--targets', `${APP_B}/accounts`, '--two-phase', '--timeout', '2s', '--config', cfg])).toBe(1);
    expect(written(stdout)).toMatch(/two-phase distribution .*: aborted/);
    expect(written(stdout)).toMatch(/Unreachable, aborted/);
  });

  it('a real process exits 2 on bad usage', async () => {
    const r = await runCli(['pass', '--source', APP_A]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--target <url>' not specified/);
  }, 30_000);
});
