/**
 * Change files between two sites that never talk to each other (each site its own server and database; the
 * engine talks to one site at a time, files carry everything), on PGlite and PostgreSQL: a round trip both
 * ways with a conflict, importing twice, importing out of order, hand-edited files, gzip, and the CLI.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { SDataClient } from '../../src/engine/sdataClient';
import { ChangeFileError, exportChanges, importChanges, readDigestFile } from '../../src/engine/changeFiles';
import { sameTicks } from '../../src/protocol/digest';
import { describeEachDatabase } from '../support/databases';
import { create, digestOf, readAll, update, valuesByUuid } from '../e2e/support/sdata';
import { runCli } from '../e2e/support/processes';
import { sitesConfig } from './support/sites';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };
const client = () => new SDataClient({ run: { runName: 'files', runStamp: new Date().toISOString() }, retry: fast });
const folder = () => mkdtempSync(join(tmpdir(), 'sdata-sync-files-'));

/** `sdata-sync digest` as a function: the endpoint's $syncDigest entry written to a file. */
async function digestFile(endpoint: string): Promise<string> {
  const path = join(folder(), 'digest.xml');
  writeFileSync(path, await (await fetch(`${endpoint}/$syncDigest`)).text());
  return path;
}

async function snapshot(endpoint: string) {
  return { data: Object.fromEntries(await valuesByUuid(endpoint)), digest: await digestOf(endpoint) };
}

async function expectUnchanged(endpoint: string, before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
  const now = await snapshot(endpoint);
  expect(now.data).toEqual(before.data);
  expect(sameTicks(now.digest, before.digest)).toBe(true);
}

async function openConflicts(endpoint: string): Promise<number> {
  const text = await (await fetch(`${endpoint}/$conflicts?status=open`)).text();
  return (text.match(/<entry>/g) ?? []).length;
}

describeEachDatabase('change files', (tdb) => {
  let siteA: RunningServer;
  let siteB: RunningServer;
  const A = () => `${siteA.url}/sdata/a/test/-/accounts`;
  const B = () => `${siteB.url}/sdata/b/test/-/accounts`;

  beforeAll(async () => {
    siteA = await startServer(sitesConfig(['a']), { db: await tdb.open(), port: 0 });
    siteB = await startServer(sitesConfig(['x', 'b']), { db: await tdb.open(), port: 0 });
  });

  afterAll(async () => {
    await siteA?.close();
    await siteB?.close();
  });

  it('a disconnected round trip both ways ends with identical data and digests, the conflict resolved and parked', async () => {
    const key = (await create(A(), 'account', { name: 'Shared' }), (await readAll(A()))[0].key);
    // First trip: B has nothing yet.
    const first = folder();
    await exportChanges({ client: client(), source: A(), floor: await readDigestFile(await digestFile(B())), outDir: first });
    await importChanges({ client: client(), target: B(), files: readdirSync(first).filter((f) => !f.endsWith('.sha256')).map((f) => join(first, f)) });
    expect(Object.fromEntries(await valuesByUuid(B()))).toEqual(Object.fromEntries(await valuesByUuid(A())));

    // Both sites change the shared resource while apart, and each creates one of its own.
    await update(A(), key, 'account', { name: 'Shared (A)' });
    await create(A(), 'account', { name: 'Only at A' });
    const bKey = (await readAll(B()))[0].key;
    await update(B(), bKey, 'account', { name: 'Shared (B)' });
    await create(B(), 'account', { name: 'Only at B' });

    // A -> B with B's digest file; then B -> A with A's digest file.
    const toB = folder();
    const floorB = await readDigestFile(await digestFile(B()));
    const exported = await exportChanges({ client: client(), source: A(), floor: floorB, outDir: toB, pageSize: 1, gzip: true });
    expect(exported.files.map((f) => f.slice(-13))).toEqual(['000001.xml.gz', '000002.xml.gz']);
    const inB = await importChanges({ client: client(), target: B(), files: exported.files });
    expect(inB).toMatchObject({ files: 2, created: 1, conflicts: 1 });
    const toA = folder();
    const floorA = await readDigestFile(await digestFile(A()));
    const back = await exportChanges({ client: client(), source: B(), floor: floorA, outDir: toA });
    await importChanges({ client: client(), target: A(), files: back.files });

    const a = await snapshot(A());
    const b = await snapshot(B());
    expect(a.data).toEqual(b.data);
    expect(Object.values(a.data).map((v) => (v as { name: string }).name).sort()).toEqual(['Only at A', 'Only at B', 'Shared (A)']);
    expect(sameTicks(a.digest, b.digest)).toBe(true);
    expect(await openConflicts(B())).toBe(1);
    expect(await openConflicts(A())).toBe(0);
  });

  it('importing a file twice changes nothing the second time', async () => {
    await create(A(), 'account', { name: 'Twice' });
    const out = folder();
    const { files } = await exportChanges({ client: client(), source: A(), floor: await digestOf(B()), outDir: out });
    const once = await importChanges({ client: client(), target: B(), files });
    expect(once.created).toBe(1);
    const after = await snapshot(B());
    const twice = await importChanges({ client: client(), target: B(), files });
    expect(twice).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    await expectUnchanged(B(), after);
  });

  it('file 2 before file 1 is refused with SyncGap and changes nothing; then 1 and 2 in order apply', async () => {
    for (const n of [1, 2, 3, 4, 5]) await create(A(), 'account', { name: `Ordered ${n}` });
    const out = folder();
    const { files } = await exportChanges({ client: client(), source: A(), floor: await digestOf(B()), outDir: out, pageSize: 2 });
    expect(files).toHaveLength(3);
    const before = await snapshot(B());
    const refused = importChanges({ client: client(), target: B(), files: [files[1]] });
    await expect(refused).rejects.toThrow(ChangeFileError);
    await expect(refused).rejects.toMatchObject({ file: files[1], diagnosis: { applicationCode: 'SyncGap' } });
    await expectUnchanged(B(), before);
    await importChanges({ client: client(), target: B(), files: [files[0], files[1]] });
    expect((await readAll(B())).map((r) => r.values.name)).toEqual(expect.arrayContaining(['Ordered 1', 'Ordered 2', 'Ordered 3']));
    await importChanges({ client: client(), target: B(), files: [files[2]] });
    expect(Object.fromEntries(await valuesByUuid(B()))).toMatchObject(
      Object.fromEntries([...(await valuesByUuid(A()))].filter(([, v]) => v.name.startsWith('Ordered'))),
    );
  });

  describe('a file edited by hand is refused, naming the file and the problem, and nothing is applied', () => {
    let files: string[];
    let before: Awaited<ReturnType<typeof snapshot>>;
    const rehash = (path: string) => writeFileSync(`${path}.sha256`, `${createHash('sha256').update(readFileSync(path)).digest('hex')}  x\n`);

    beforeEach(async () => {
      await create(A(), 'account', { name: 'Edited' });
      await create(A(), 'account', { name: 'Edited too' });
      ({ files } = await exportChanges({ client: client(), source: A(), floor: await digestOf(B()), outDir: folder(), pageSize: 1 }));
      before = await snapshot(B());
    });

    it.each([
      ['malformed XML', (p: string) => writeFileSync(p, readFileSync(p, 'utf8').replace('</feed>', '')), /InvalidChangeFile/, /XML|closed|unexpected end/i],
      ['a tick changed to a non-integer (checksum recomputed)', (p: string) => (writeFileSync(p, readFileSync(p, 'utf8').replace(/<sync:tick>(\d+)<\/sync:tick>/, '<sync:tick>$1.5</sync:tick>')), rehash(p)), /InvalidChangeFile/, /tick/],
      ['a value changed (checksum mismatch)', (p: string) => writeFileSync(p, readFileSync(p, 'utf8').replace('Edited too', 'Edited, too')), /ChecksumMismatch/, /SHA-256/],
    ])('%s', async (_what, edit, code, problem) => {
      edit(files[1]);
      const refused = importChanges({ client: client(), target: B(), files });
      await expect(refused).rejects.toMatchObject({ file: files[1], diagnosis: { applicationCode: expect.stringMatching(code) } });
      await expect(refused).rejects.toThrow(files[1]);
      await expect(refused).rejects.toThrow(problem);
      await expectUnchanged(B(), before);
    });
  });

  it('the CLI: digest, export --gzip and import work as the README shows; a refused file exits 1, bad usage 2', async () => {
    await create(A(), 'account', { name: 'By the CLI' });
    const dir = folder();
    const digest = join(dir, 'b-digest.xml');
    expect((await runCli(['digest', '--endpoint', B(), '--out', digest])).code).toBe(0);
    const exported = await runCli(['export', '--source', A(), '--floor', digest, '--out', join(dir, 'out'), '--gzip']);
    expect(exported.code).toBe(0);
    const names = readdirSync(join(dir, 'out')).sort();
    expect(names).toEqual(['000001.xml.gz', '000001.xml.gz.sha256']);
    const imported = await runCli(['import', '--target', B(), join(dir, 'out')]); // the folder: its change files, not their .sha256
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/1 file imported: \d+ created/);
    expect((await readAll(B())).map((r) => r.values.name)).toContain('By the CLI');
    writeFileSync(join(dir, 'out', '000001.xml.gz'), 'not gzip');
    const refused = await runCli(['import', '--target', B(), join(dir, 'out', '000001.xml.gz')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(join(dir, 'out', '000001.xml.gz'));
    expect((await runCli(['import', '--target', `${siteB.url}/sdata/b/test/-`, join(dir, 'out', '000001.xml.gz')])).code).toBe(2);
    const empty = await runCli(['import', '--target', B(), join(dir, 'b-digest.xml.sha256')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no change files/);
  }, 60_000);
});
