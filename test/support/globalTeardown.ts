/**
 * jest's global teardown: removes the run's folder and the CLI build its global setup made (globalSetup.ts),
 * then waits for the type check the setup started and fails the run on its errors (typecheck.ts).
 */
import { rmSync } from 'node:fs';
import { CLI_BUILT_ENV } from './globalSetup';
import { PGLITE_DIR_ENV } from './pgliteTemplate';
import { endTypeCheck } from './typecheck';

export default async function globalTeardown(): Promise<void> {
  for (const dir of [process.env[PGLITE_DIR_ENV], process.env[CLI_BUILT_ENV]]) if (dir) rmSync(dir, { recursive: true, force: true });
  await endTypeCheck();
}
