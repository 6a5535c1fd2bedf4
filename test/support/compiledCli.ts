/**
 * The CLI compiled once per test run, for the end-to-end tests' child processes: a process started from
 * JavaScript is up in a fraction of the time tsx takes to load the TypeScript sources in every child.
 *
 * jest's global setup compiles src/ and migrations/ file by file with swc (the compiler jest itself runs the
 * tests through: the same module code as tsc's, without the type check, which `npm test` runs first) into a
 * folder of its own under test-output/, inside the checkout so that the compiled code finds the package's
 * files (public/) as the published package does, and points SDATA_CLI_COMPILED at it
 * (test/e2e/support/processes.ts); its teardown removes the folder.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { transformFileSync, type Options } from '@swc/core';

export const ROOT = join(__dirname, '../..');

const SWC: Options = {
  swcrc: false,
  configFile: false,
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  // import() stays import(), as tsc leaves it in CommonJS output (ES modules are loaded that way).
  module: { type: 'commonjs', ignoreDynamic: true },
};

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Compiles the CLI (src/ and migrations/) into a new folder under test-output/; answers the folder. */
export function compileCli(): string {
  const parent = join(ROOT, 'test-output');
  mkdirSync(parent, { recursive: true });
  const out = mkdtempSync(join(parent, 'cli-'));
  try {
    for (const file of [...typeScriptFiles(join(ROOT, 'src')), ...typeScriptFiles(join(ROOT, 'migrations'))]) {
      const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, transformFileSync(file, SWC).code);
    }
  } catch (err) {
    rmSync(out, { recursive: true, force: true });
    throw err;
  }
  return out;
}
