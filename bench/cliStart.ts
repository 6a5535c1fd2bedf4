/**
 * Start-up cost of the command line (issue 20): what a scheduler running `sdata-sync pass` pays at every run.
 * Two endpoint servers (crm at A, erp at B, PGlite in memory, the compiled CLI) are started once; then
 * `sdata-sync pass` from A's accounts to B's (a pass with nothing to move), and `sdata-sync --help`, are run
 * --runs times (default 7) each, from the TypeScript sources through tsx (a checkout) and compiled (what
 * bin/sdata-sync.js runs after `npm run build`); the compiled pass also with a --config file. Prints, for each, the median wall time from spawn to exit
 * and the median CPU time (user + system) of the process: on a busy machine the CPU time is the steadier
 * figure.
 *
 *   npm run bench -- cliStart [--runs 7]
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { demoConfig } from '../src/config/demo';
import { buildCompiledCli } from './support/compiledCli';
import { numberOption } from './support/timing';
import { childNodeArgs, databaseEnv, ROOT, startServe, tempDir, writeYaml, type ServerProcess } from '../test/e2e/support/processes';

interface Run {
  code: number | null;
  wallMillis: number;
  cpuMillis: number;
}

/**
 * Runs `node ...args` to its end under sh, whose `times` prints the CPU its children used (user, then system,
 * on its second line): the command's own CPU, start-up included, without instrumenting the command.
 */
function timedRun(args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', '"$@" >/dev/null 2>&1; code=$?; times >&2; exit $code', 'sh', process.execPath, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('error', fail);
    child.once('exit', (code) => {
      const wallMillis = performance.now() - started;
      const times = [...(err.trim().split('\n')[1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
      if (times.length !== 2) fail(new Error(`no CPU times from sh: ${err}`));
      else done({ code, wallMillis, cpuMillis: times[0] + times[1] });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(label: string, args: string[], runs: number): Promise<void> {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await timedRun(args);
    if (r.code !== 0) throw new Error(`${label}: exit ${r.code}`);
    results.push(r);
  }
  const wall = median(results.map((r) => r.wallMillis));
  const cpu = median(results.map((r) => r.cpuMillis));
  process.stdout.write(`${label.padEnd(34)} wall ${wall.toFixed(0).padStart(5)} ms   CPU ${cpu.toFixed(0).padStart(5)} ms   (median of ${runs})\n`);
}

async function main(): Promise<void> {
  const runs = numberOption('runs', 7);
  const compiled = join(resolve(ROOT, buildCompiledCli('the servers and the measured commands')), 'src/cli/main.js');
  const dir = tempDir('sdata-bench-');
  const servers: ServerProcess[] = [];
  try {
    for (const name of ['a', 'b']) servers.push(await startServe(writeYaml(dir, `${name}.yaml`, { log: { level: 'warn' }, ...demoConfig }), await databaseEnv('pglite', dir, name, { persistent: false })));
    const pass = ['pass', '--source', `${servers[0].url}/sdata/crm/test/-/accounts`, '--target', `${servers[1].url}/sdata/erp/test/-/accounts`];
    const fromSource = [...childNodeArgs(), join(ROOT, 'src/cli/main.ts')];
    const fromBuild = [...childNodeArgs({ tsx: false }), compiled];
    await timedRun([...fromBuild, ...pass]); // the servers' first pass (their first requests) is not measured
    await measure('pass, nothing to move, tsx', [...fromSource, ...pass], runs);
    await measure('pass, nothing to move, compiled', [...fromBuild, ...pass], runs);
    // With a configuration file: YAML and the validation of the whole file are loaded too.
    const withConfig = ['--config', writeYaml(dir, 'pass.yaml', { log: { level: 'warn' }, engine: { retry: { attempts: 3 } } })];
    await measure('pass, compiled, with --config', [...fromBuild, ...pass, ...withConfig], runs);
    await measure('--help, tsx', [...fromSource, '--help'], runs);
    await measure('--help, compiled', [...fromBuild, '--help'], runs);
  } finally {
    await Promise.all(servers.map((s) => s.proc.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
