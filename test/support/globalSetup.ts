/**
 * jest's global setup, once per run; the workers inherit what it sets in their environment and the global
 * teardown removes what it made:
 * - this run's migrated PGlite database, made here before any test (test/support/pgliteTemplate.ts);
 * - with DATABASE_URL, a dump of a freshly migrated PostgreSQL schema that each test's schema copies
 *   (test/support/postgresTemplate.ts);
 * - unless SDATA_CLI_COMPILED names one already, the CLI compiled once for the end-to-end tests' processes
 *   (test/support/compiledCli.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCli } from './compiledCli';
import { PGLITE_DIR_ENV, pgliteTemplateFolder } from './pgliteTemplate';
import { makePostgresDump, POSTGRES_DUMP_ENV } from './postgresTemplate';
import { startTypeCheck } from './typecheck';

/** Names the CLI build this run made (and its teardown removes). */
export const CLI_BUILT_ENV = 'SDATA_TEST_CLI_BUILT';

export default async function globalSetup(): Promise<void> {
  startTypeCheck();
  const dir = mkdtempSync(join(tmpdir(), 'sdata-sync-test-run-'));
  process.env[PGLITE_DIR_ENV] = dir;
  await pgliteTemplateFolder();
  if (!process.env.SDATA_CLI_COMPILED) {
    const out = compileCli();
    process.env.SDATA_CLI_COMPILED = out;
    process.env[CLI_BUILT_ENV] = out;
  }
  if (process.env.DATABASE_URL) {
    const dump = await makePostgresDump(process.env.DATABASE_URL, dir);
    if (dump) process.env[POSTGRES_DUMP_ENV] = dump;
  }
}
