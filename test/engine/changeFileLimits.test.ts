/** A change file whose digests are over `xml.maxDigestEntries` is refused by the check before anything is imported. */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSyncFeed } from '../../src/atom/syncFeed';
import { DEFAULT_XML_LIMITS } from '../../src/config/xmlLimits';
import { ChangeFileError, readChangeFile } from '../../src/engine/changeFiles';
import type { Digest } from '../../src/protocol/types';

const SOURCE = 'http://a.test/sdata/a/test/-/accounts';

function digestOf(n: number): Digest {
  return { entries: Array.from({ length: n }, (_, i) => ({ endpoint: `http://node${i}.test/sdata/a/test/-/accounts`, tick: 2, stamp: '2026-03-01T10:00:00.000Z', conflictPriority: 5 })) };
}

/** A change file (and its checksum) with the given floor and ceiling. */
function changeFile(floor: Digest, ceiling: Digest): string {
  const xml = buildSyncFeed({ id: `${SOURCE}/$syncSource('x')`, updated: '2026-03-01T10:00:00.000Z', mode: 'catchUp', ceiling, floor, links: [], totalResults: 0, startIndex: 1, itemsPerPage: 100, entries: [] });
  const path = join(mkdtempSync(join(tmpdir(), 'sdata-sync-limits-')), '000001.xml');
  writeFileSync(path, xml);
  writeFileSync(`${path}.sha256`, `${createHash('sha256').update(xml).digest('hex')}  000001.xml\n`);
  return path;
}

describe('change-file digests are capped', () => {
  const cap = DEFAULT_XML_LIMITS.maxDigestEntries;

  it.each([
    ['floor', (n: number) => changeFile(digestOf(n), digestOf(1))],
    ['ceiling', (n: number) => changeFile(digestOf(1), digestOf(n))],
  ])('a %s of 30,000 entries is refused naming the setting; one at the cap is read', async (_where, file) => {
    expect((await readChangeFile(file(cap))).entries).toBe(0);
    const err = await readChangeFile(file(30_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeFileError);
    expect((err as ChangeFileError).diagnosis).toMatchObject({ applicationCode: 'InvalidChangeFile', message: expect.stringContaining(`over the limit of ${cap} (xml.maxDigestEntries)`) });
  });
});
