/**
 * jest's global setup: names the folder of this run's migrated PGlite database (test/support/pgliteTemplate.ts),
 * which the workers inherit in their environment and the global teardown removes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup(): void {
  process.env.SDATA_TEST_PGLITE_DIR = mkdtempSync(join(tmpdir(), 'sdata-sync-pglite-run-'));
}
