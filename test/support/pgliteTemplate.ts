/**
 * Fresh, migrated PGlite databases for the tests at a fraction of the cost of making them. A new PGlite
 * database costs several seconds of initdb and then the migrations; one loaded from a dump of a freshly
 * migrated one (PGlite's dumpDataDir, a tar of its data folder) is the same database in about a second.
 *
 * The dump is made once per test run (a new in-memory database and the migrations, as a server makes one)
 * by jest's global setup, before any test and outside their time limits (initdb takes minutes on a busy
 * machine); should a worker find none, the first to need it makes it while the others wait. The global
 * setup names the run's folder in SDATA_TEST_PGLITE_DIR and its teardown removes it; without it (the
 * benchmarks, which share the end-to-end helpers) there is no dump and every database is made afresh.
 * Tests of a first start on a new data folder (initdb and migrations) make their own folder.
 *
 * What an open costs (CPU, on the order of a second): PGlite's start-up, dominated by zeroing its shared
 * buffers, and the dump's unpacking into PGlite's in-memory file system. Hence the dump's database keeps
 * TEST_SHARED_BUFFERS (ALTER SYSTEM, in its postgresql.auto.conf) instead of PostgreSQL's 128MB, so that
 * every start from it (these in-memory databases and the end-to-end tests' server processes alike) zeroes
 * an eighth as much; the tests' data is small and nothing in them reads the setting. And each test file
 * reads the dump once, handing it to every PGlite it opens as it is (DumpBlob), not through Blob's stream.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import type { PGlite } from '@electric-sql/pglite';
import type { Db } from '../../src/store/db';
import { runMigrations } from '../../src/store/migrate';

export const PGLITE_DIR_ENV = 'SDATA_TEST_PGLITE_DIR';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The dump's shared_buffers; enough for the tests' data, and an eighth of the default 128MB to zero at each start. */
const TEST_SHARED_BUFFERS = '16MB';

let made: Promise<string | undefined> | undefined;

/** The run's dump of a fresh, migrated database (a file); undefined outside a jest run. */
export function pgliteDumpFile(): Promise<string | undefined> {
  made ??= makeDump();
  return made;
}

async function makeDump(): Promise<string | undefined> {
  const dir = process.env[PGLITE_DIR_ENV];
  if (!dir) return undefined;
  const file = join(dir, 'migrated.tar');
  const lock = join(dir, 'making');
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (existsSync(file)) return file;
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Another worker makes it (or failed and left: its lock goes with it, and this one tries).
      if (Date.now() > deadline) throw new Error(`no PGlite dump in ${dir} after 5 minutes (lock ${lock})`);
      await sleep(100);
      continue;
    }
    try {
      // initdb first, then knex over it: knex would count initdb against its time to acquire a connection.
      const pglite = await pgliteClass().create();
      const db = knexOver(pglite);
      try {
        await runMigrations(db);
        // Read when a PGlite starts from the dump (a postmaster setting: this one keeps its own).
        await db.raw(`ALTER SYSTEM SET shared_buffers = '${TEST_SHARED_BUFFERS}'`);
        const dump = await pglite.dumpDataDir('none');
        const partial = `${file}.${process.pid}`;
        writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
        renameSync(partial, file);
      } finally {
        await db.destroy();
      }
      return file;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function pgliteClass(): typeof PGlite {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@electric-sql/pglite') as typeof import('@electric-sql/pglite')).PGlite;
}

/** knex over a PGlite instance, as openDatabase makes it (knex-pglite, loaded only when used). */
function knexOver(pglite: PGlite): Db {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('knex-pglite');
  return knexFactory({ client: mod.default ?? mod, dialect: 'postgres', connection: { pglite } } as Knex.Config);
}

/**
 * A fresh, migrated in-memory database loaded from the run's dump, as openDatabase({ dataDir: 'memory://' })
 * would answer it (the migrations run, finding nothing to do); undefined outside a jest run.
 */
export async function openFromDump(): Promise<Db | undefined> {
  const file = await pgliteDumpFile();
  if (!file) return undefined;
  dumpBlob ??= new DumpBlob(file);
  const db = knexOver(await pgliteClass().create({ loadDataDir: dumpBlob }));
  await runMigrations(db);
  return db;
}

/**
 * The dump as PGlite's loadDataDir reads it (its `type` and `arrayBuffer()`, then an untar that copies every
 * file out), read from disk once per test file. A Blob made of the bytes would copy them all again at every
 * open through its stream reader, a quarter of an open's CPU; this one hands out the same bytes each time,
 * which nothing writes to.
 */
class DumpBlob extends Blob {
  private readonly tar: ArrayBuffer;

  constructor(file: string) {
    super([], { type: 'application/x-tar' });
    const data = readFileSync(file);
    this.tar = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  }

  override get size(): number {
    return this.tar.byteLength;
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.tar);
  }
}

let dumpBlob: DumpBlob | undefined;

/**
 * Unpacks the run's dump into `folder` (a PGlite data folder a server process opens as it is); false
 * outside a jest run, the folder untouched.
 */
export async function unpackDump(folder: string): Promise<boolean> {
  const file = await pgliteDumpFile();
  if (!file) return false;
  mkdirSync(folder, { recursive: true });
  await run('tar', ['-xf', file, '-C', folder]);
  return true;
}
