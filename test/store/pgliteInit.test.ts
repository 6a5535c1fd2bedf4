/** A new PGlite data folder is created by a child process, then opened here; a folder that holds a cluster is opened as it is. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase } from '../../src/store/db';
import { initialisePgliteDir, isInitialised } from '../../src/store/pgliteInit';

jest.setTimeout(120_000);

describe('PGlite data folders', () => {
  const root = mkdtempSync(join(tmpdir(), 'sdata-pglite-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the cluster of a new folder once, and the database opens and keeps its data', async () => {
    const dir = join(root, 'new');
    expect(isInitialised(dir)).toBe(false);
    await initialisePgliteDir(dir);
    expect(isInitialised(dir)).toBe(true);
    const created = statSync(join(dir, 'PG_VERSION')).mtimeMs;
    await initialisePgliteDir(dir);
    expect(statSync(join(dir, 'PG_VERSION')).mtimeMs).toBe(created);
    const db = await openDatabase({ dataDir: dir });
    await db.raw('CREATE TABLE kept (n int)');
    await db.raw('INSERT INTO kept VALUES (7)');
    await closeDatabase(db);
    const again = await openDatabase({ dataDir: dir });
    expect((await again.raw('SELECT n FROM kept')).rows).toEqual([{ n: 7 }]);
    await closeDatabase(again);
  });

  it('says why when the folder cannot hold a database', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    await expect(initialisePgliteDir(file)).rejects.toThrow(/cannot create the PGlite database in .*a-file/);
  });
});
