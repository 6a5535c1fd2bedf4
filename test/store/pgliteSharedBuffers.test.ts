/**
 * PGlite's page cache is a setting (`storage.pglite.sharedBuffersMB`, default 16 MB, not PostgreSQL's 128): it
 * stays in the process for as long as it runs, so it is most of a PGlite server's memory beyond Node's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load';
import { prepareRuntime } from '../../src/endpoint/server';
import { copyTemplate } from '../support/pgliteTemplate';

jest.setTimeout(120_000);

describe('storage.pglite.sharedBuffersMB', () => {
  const root = mkdtempSync(join(tmpdir(), 'sdata-buffers-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('defaults to 16 MB and takes 1 to 4096', () => {
    expect(parseConfig({}, {}).storage.pglite.sharedBuffersMB).toBe(16);
    expect(parseConfig({ storage: { pglite: { sharedBuffersMB: 64 } } }, {}).storage.pglite.sharedBuffersMB).toBe(64);
    expect(() => parseConfig({ storage: { pglite: { sharedBuffersMB: 0 } } }, {})).toThrow(/sharedBuffersMB/);
    expect(() => parseConfig({ storage: { pglite: { sharedBuffersMB: 4097 } } }, {})).toThrow(/sharedBuffersMB/);
  });

  it("is the PGlite server's shared_buffers, whatever its folder's configuration says", async () => {
    const folder = join(root, 'data');
    if (!(await copyTemplate(folder))) throw new Error('no PGlite template in this run');
    const cfg = parseConfig({ storage: { dataDir: folder, pglite: { sharedBuffersMB: 8 } }, log: { level: 'silent' } }, {});
    const runtime = await prepareRuntime(cfg);
    try {
      expect((await runtime.db.raw('SHOW shared_buffers')).rows).toEqual([{ shared_buffers: '8MB' }]);
    } finally {
      await runtime.closeStores();
      await runtime.db.destroy();
    }
  });
});
