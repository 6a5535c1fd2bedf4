/** What `import` takes: an export's folder (its change files in number order) or files in order, checksum files skipped. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeFilesOf } from '../../src/engine/changeFiles';

const dir = mkdtempSync(join(tmpdir(), 'sdata-change-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the change files of import paths', () => {
  const out = join(dir, 'outbox');
  mkdirSync(out);
  // Written out of number order, whichever order the folder lists them in.
  for (const name of ['000002.xml.gz', '000010.xml.gz', '000001.xml.gz', 'notes.txt', 'digest.xml']) {
    writeFileSync(join(out, name), '');
    writeFileSync(join(out, `${name}.sha256`), '');
  }

  it('a folder stands for its change files in number order, nothing else of it', async () => {
    expect(await changeFilesOf([out])).toEqual(['000001.xml.gz', '000002.xml.gz', '000010.xml.gz'].map((n) => join(out, n)));
  });

  it('files are taken in the order given, checksum files skipped (as a shell glob of the folder lists them)', async () => {
    const given = ['000002.xml.gz', '000002.xml.gz.sha256', '000001.xml.gz', '000001.xml.gz.sha256'].map((n) => join(out, n));
    expect(await changeFilesOf(given)).toEqual([given[0], given[2]]);
    expect(await changeFilesOf([join(out, 'missing.xml')])).toEqual([join(out, 'missing.xml')]); // refused when read, naming it
  });

  it('an empty folder holds none', async () => {
    mkdirSync(join(dir, 'empty'));
    expect(await changeFilesOf([join(dir, 'empty')])).toEqual([]);
  });
});
