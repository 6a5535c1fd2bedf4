/**
 * Creating a PGlite data folder (initdb) in a short-lived child process. PGlite's WebAssembly memory only
 * grows: initdb takes it to about 800 MB, while opening an existing folder needs about 180 MB (shared_buffers 16 MB). Run in the
 * server's own process, initdb would leave that peak in it for good; run here, it leaves with the child.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** True when `dir` already holds a database cluster. */
export function isInitialised(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/** Creates the database cluster in `dir` (an existing, empty or missing folder) unless it is there already. */
export async function initialisePgliteDir(dir: string): Promise<void> {
  if (isInitialised(dir)) return;
  const pglite = pathToFileURL(require.resolve('@electric-sql/pglite')).href;
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)}); const db = await PGlite.create(${JSON.stringify(resolve(dir))}); await db.close();`;
  try {
    await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 120_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`cannot create the PGlite database in ${dir}: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`, { cause: err });
  }
}
