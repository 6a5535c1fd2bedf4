/** jest's global teardown: removes the folder of this run's migrated PGlite database (see globalSetup.ts). */
import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  const dir = process.env.SDATA_TEST_PGLITE_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
