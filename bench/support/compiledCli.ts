/** The CLI compiled for a benchmark's child processes (tsc into .bench-out/dist, as a deployment runs it). */
import { execFileSync } from 'node:child_process';
import { ROOT } from '../../test/e2e/support/processes';

/**
 * Compiles the CLI into a folder of the benchmarks' own (so that no dist/ left behind ever runs stale code)
 * and points SDATA_CLI_COMPILED at it, for spawnCli and startServe; answers the folder.
 */
export function buildCompiledCli(what: string): string {
  const out = '.bench-out/dist';
  process.stdout.write(`building into ${out}: ${what} run compiled, as deployed\n`);
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', out], { cwd: ROOT, stdio: 'inherit' });
  process.env.SDATA_CLI_COMPILED = out;
  return out;
}
