/**
 * Fresh, migrated PGlite databases for the tests at a fraction of the cost of making them. A new PGlite
 * database costs several seconds of initdb and then the migrations; one started on a copy of a freshly
 * migrated one's data folder is the same database in well under a second of CPU.
 *
 * That folder (the template) is made once per test run (a new in-memory database and the migrations, as a
 * server makes one, then PGlite's dumpDataDir unpacked) by jest's global setup, before any test and outside
 * their time limits (initdb takes minutes on a busy machine); should a worker find none, the first to need
 * it makes it while the others wait. The global setup names the run's folder in SDATA_TEST_PGLITE_DIR and
 * its teardown removes it; without it (the benchmarks, which share the end-to-end helpers) there is no
 * template and every database is made afresh. Tests of a first start on a new data folder (initdb and
 * migrations) make their own folder.
 *
 * What an open costs is PGlite's start-up, and the template's files written into the new instance's
 * in-memory file system. Hence:
 * - the template keeps TEST_SHARED_BUFFERS (ALTER SYSTEM, in its postgresql.auto.conf) instead of
 *   PostgreSQL's 128MB, which every start zeroes (most of what a start cost), for every start from it:
 *   these in-memory databases and the end-to-end tests' server processes (which open a copy of the
 *   folder) alike; the tests' data is small and nothing in them reads the setting;
 * - each test file reads the template's files once (templateFiles), and every PGlite it opens gets them
 *   written straight into its file system (TemplateMemoryFs), as PGlite's loadDataDir would write them
 *   from a tarball, without a tarball's reading, parsing and copying at every open.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import type { MemoryFS, PGlite } from '@electric-sql/pglite';
import type { Db } from '../../src/store/db';
import { runMigrations } from '../../src/store/migrate';

export const PGLITE_DIR_ENV = 'SDATA_TEST_PGLITE_DIR';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The template's shared_buffers: ample for the tests' data, an eighth of the default 128MB to zero at each start. */
const TEST_SHARED_BUFFERS = '16MB';

let made: Promise<string | undefined> | undefined;

/** The run's data folder of a fresh, migrated database, to copy and never to open; undefined outside a jest run. */
export function pgliteTemplateFolder(): Promise<string | undefined> {
  made ??= makeTemplate();
  return made;
}

async function makeTemplate(): Promise<string | undefined> {
  const dir = process.env[PGLITE_DIR_ENV];
  if (!dir) return undefined;
  const folder = join(dir, 'migrated');
  const lock = join(dir, 'making');
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (existsSync(folder)) return folder;
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Another worker makes it (or failed and left: its lock goes with it, and this one tries).
      if (Date.now() > deadline) throw new Error(`no PGlite template in ${dir} after 5 minutes (lock ${lock})`);
      await sleep(100);
      continue;
    }
    try {
      // initdb first, then knex over it: knex would count initdb against its time to acquire a connection.
      const pglite = await pgliteModule().PGlite.create();
      const db = knexOver(pglite);
      try {
        await runMigrations(db);
        // Read when a PGlite starts on the folder (a postmaster setting: this instance keeps its own).
        await db.raw(`ALTER SYSTEM SET shared_buffers = '${TEST_SHARED_BUFFERS}'`);
        const dump = await pglite.dumpDataDir('none');
        const tar = join(dir, `migrated.${process.pid}.tar`);
        const partial = `${folder}.${process.pid}`;
        writeFileSync(tar, Buffer.from(await dump.arrayBuffer()));
        mkdirSync(partial);
        await run('tar', ['-xf', tar, '-C', partial]);
        rmSync(tar);
        renameSync(partial, folder);
      } finally {
        await db.destroy();
      }
      return folder;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function pgliteModule(): typeof import('@electric-sql/pglite') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
}

/** knex over a PGlite instance, as openDatabase makes it (knex-pglite, loaded only when used). */
function knexOver(pglite: PGlite): Db {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('knex-pglite');
  return knexFactory({ client: mod.default ?? mod, dialect: 'postgres', connection: { pglite } } as Knex.Config);
}

/**
 * A fresh, migrated in-memory database started on the run's template, as openDatabase({ dataDir: 'memory://' })
 * would answer it (the migrations run, finding nothing to do); undefined outside a jest run.
 */
export async function openFromTemplate(): Promise<Db | undefined> {
  const folder = await pgliteTemplateFolder();
  if (!folder) return undefined;
  files ??= templateFiles(folder);
  TemplateMemoryFs ??= templateMemoryFsClass();
  const db = knexOver(await pgliteModule().PGlite.create({ fs: new TemplateMemoryFs(files) }));
  await runMigrations(db);
  return db;
}

/** A file of the template (its path in the data folder), or a folder (no data); folders before what they hold. */
interface TemplateFile {
  path: string;
  data?: Uint8Array;
}

let files: TemplateFile[] | undefined;
let TemplateMemoryFs: ReturnType<typeof templateMemoryFsClass> | undefined;

function templateFiles(folder: string, under = ''): TemplateFile[] {
  return readdirSync(join(folder, under), { withFileTypes: true }).flatMap((entry) => {
    const path = `${under}/${entry.name}`;
    if (entry.isDirectory()) return [{ path }, ...templateFiles(folder, path)];
    // A plain Uint8Array over the bytes, not the Buffer: FS.writeFile copies with `slice`, a copy on a
    // Uint8Array but a view on a Buffer, through which one instance would write into every later one.
    const bytes = readFileSync(join(folder, path));
    return [{ path, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) }];
  });
}

/**
 * PGlite's in-memory file system holding the template's files from the start: its "initial sync" (from the
 * storage behind it, here the template) writes them into the data folder, as loadDataDir would from a
 * tarball; PGlite then finds a database there and starts on it. FS.writeFile copies what it is given (see
 * templateFiles), so no instance shares or alters the bytes read once for all of them.
 */
function templateMemoryFsClass(): new (files: TemplateFile[]) => MemoryFS {
  return class TemplateMemoryFs extends pgliteModule().MemoryFS {
    constructor(private readonly template: TemplateFile[]) {
      super();
    }

    override async initialSyncFs(): Promise<void> {
      const { FS } = this.pg!.Module;
      const pgdata = (this.pg!.Module as unknown as { ENV: { PGDATA: string } }).ENV.PGDATA;
      FS.mkdirTree(pgdata);
      for (const { path, data } of this.template) {
        if (data) FS.writeFile(pgdata + path, data);
        else FS.mkdir(pgdata + path);
      }
    }
  };
}

/** Copies the run's template into `folder` (a PGlite data folder a server process opens as it is); false outside a jest run. */
export async function copyTemplate(folder: string): Promise<boolean> {
  const template = await pgliteTemplateFolder();
  if (!template) return false;
  cpSync(template, folder, { recursive: true });
  return true;
}
