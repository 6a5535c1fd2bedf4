/**
 * Change files for disconnected sites (PROTOCOL.md 7): `export` writes the sync feed of a source for a
 * floor digest as numbered files, `import` posts them to a target later, `digest` (cli) writes a target's
 * digest to a file for the other site. Sending, carrying and applying are independent in time.
 *
 * - A file is one page of the source's sync feed, plain sync-feed XML as the source wrote it (optionally
 *   gzipped: `000001.xml.gz`), with its own floor: file k's `x:floorDigest` is the export's floor moved
 *   by the entries of files 1..k-1 (`nextFileFloor`), its ceiling the source's. A file other than the last
 *   keeps its `rel="next"` link, so a target merges the ceiling only with the last one.
 * - Beside each file, `NAME.sha256` holds its SHA-256 in `sha256sum` format (`sha256sum -c` checks it),
 *   so the files themselves stay plain sync feeds.
 * - Import checks every file first (well-formed sync feed, every tick an integer, checksum) and applies
 *   nothing when one is bad; then, one file at a time in the order given, it reads the target's digest and
 *   refuses a file whose floor is above it (SyncGap: an earlier file is missing) before posting it.
 *   A file imported twice changes nothing: its entries are ignored by rule 1 and the digest stays.
 * - Export writes each page as it arrives and import reads one file at a time: memory stays at one page.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { withFloorDigest } from '../atom/changeFile';
import { readResultSummary, type ResultSummary } from '../atom/resultFeed';
import { parseDigestDocument } from '../atom/digestXml';
import { parseSyncFeed } from '../atom/syncFeed';
import { parseXml } from '../atom/xml';
import { SDataError, type Diagnosis } from '../protocol/diagnosis';
import { claimsOf, gapsIn } from '../protocol/floorCeiling';
import { nextFileFloor } from '../protocol/twoPhase';
import { tickOf } from '../protocol/digest';
import type { Digest } from '../protocol/types';
import { FEED_TYPE, type SDataClient } from './sdataClient';
import { dropContext, postTracked } from './pass';
import { selectionPages } from './selection';
import { serviceUrl } from '../protocol/serviceUrl';

const CHANGE_FILE = /^\d{6}\.xml(\.gz)?$/;

/** A change file that cannot be taken: the diagnosis names the file and the problem. */
export class ChangeFileError extends Error {
  readonly diagnosis: Diagnosis;

  constructor(
    readonly file: string,
    applicationCode: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ChangeFileError';
    this.diagnosis = { severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode, message: this.message };
  }
}

type ChangeFileProgress = { file: string; number: number; entries: number; entriesDone: number; totalResults?: number };

export interface ExportOptions {
  client: SDataClient;
  source: string;
  floor: Digest;
  outDir: string;
  gzip?: boolean;
  pageSize?: number;
  onProgress?: (p: ChangeFileProgress) => void;
}

export interface ExportSummary {
  files: string[];
  entries: number;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Reads a digest written by `sdata-sync digest` (a `$syncDigest` entry). */
export async function readDigestFile(path: string): Promise<Digest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ChangeFileError(path, 'UnreadableFile', (err as Error).message);
  }
  try {
    return parseDigestDocument(parseXml(text));
  } catch (err) {
    throw new ChangeFileError(path, 'InvalidDigest', err instanceof SDataError ? describeDiagnoses(err.diagnoses) : (err as Error).message);
  }
}

function describeDiagnoses(diagnoses: Diagnosis[]): string {
  return diagnoses.map((d) => `${d.message}${d.payloadPath ? ` (at ${d.payloadPath})` : ''}`).join('; ');
}

export async function exportChanges(o: ExportOptions): Promise<ExportSummary> {
  await mkdir(o.outDir, { recursive: true });
  const existing = (await readdir(o.outDir)).filter((n) => CHANGE_FILE.test(n));
  if (existing.length > 0) throw new ChangeFileError(o.outDir, 'FolderNotEmpty', `already holds change files (${existing[0]} ...); export into an empty folder`);
  const files: string[] = [];
  let floor = o.floor;
  let entriesDone = 0;
  for await (const page of selectionPages(o.client, o.source, floor, o.pageSize)) {
    const states = parseSyncFeed(page.xml, (e) => e.state).entries;
    const name = `${String(page.number).padStart(6, '0')}.xml${o.gzip ? '.gz' : ''}`;
    const xml = withFloorDigest(page.xml, floor);
    const bytes = o.gzip ? gzipSync(xml) : Buffer.from(xml, 'utf8');
    const path = join(o.outDir, name);
    await writeFile(path, bytes);
    await writeFile(`${path}.sha256`, `${sha256(bytes)}  ${name}\n`);
    files.push(path);
    floor = nextFileFloor(floor, page.head.ceiling ?? { entries: [] }, states);
    entriesDone += states.length;
    o.onProgress?.({ file: path, number: page.number, entries: states.length, entriesDone, totalResults: page.head.totalResults });
  }
  return { files, entries: entriesDone };
}

/** A checked change file: its XML and what its head says. */
interface ChangeFile {
  xml: string;
  floor?: Digest;
  ceiling: Digest;
  entries: number;
}

/** Reads and checks one change file: a well-formed sync feed with integer ticks, and the checksum beside it. */
export async function readChangeFile(path: string): Promise<ChangeFile> {
  let bytes: Buffer;
  let sidecar: string;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ChangeFileError(path, 'UnreadableFile', (err as Error).message);
  }
  try {
    sidecar = await readFile(`${path}.sha256`, 'utf8');
  } catch {
    throw new ChangeFileError(path, 'MissingChecksum', `no checksum file ${basename(path)}.sha256 beside it`);
  }
  let xml: string;
  try {
    xml = path.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  } catch (err) {
    throw new ChangeFileError(path, 'InvalidChangeFile', `not a gzip file (${(err as Error).message})`);
  }
  let feed;
  try {
    feed = parseSyncFeed(xml, () => 1);
  } catch (err) {
    throw new ChangeFileError(path, 'InvalidChangeFile', err instanceof SDataError ? describeDiagnoses(err.diagnoses) : (err as Error).message);
  }
  if (!feed.ceiling) throw new ChangeFileError(path, 'InvalidChangeFile', 'the feed has no sync:digest (its ceiling)');
  const expected = /^([0-9a-f]{64})\b/i.exec(sidecar.trim())?.[1]?.toLowerCase();
  if (!expected) throw new ChangeFileError(path, 'MissingChecksum', `${basename(path)}.sha256 holds no SHA-256`);
  if (sha256(bytes) !== expected) throw new ChangeFileError(path, 'ChecksumMismatch', `its SHA-256 is not the one in ${basename(path)}.sha256: the file was changed after export`);
  return { xml, floor: feed.floor, ceiling: feed.ceiling, entries: feed.entries.length };
}

/**
 * The change files that `paths` name, in order: a folder (an export's --out) stands for its change files in
 * number order; a checksum file (`NAME.sha256`, as a shell glob of the folder lists them) is skipped, since
 * it is read beside its change file.
 */
export async function changeFilesOf(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if (path.endsWith('.sha256')) continue;
    if (!(await stat(path).catch(() => undefined))?.isDirectory()) files.push(path);
    else files.push(...(await readdir(path)).filter((n) => CHANGE_FILE.test(n)).sort().map((n) => join(path, n)));
  }
  return files;
}

export interface ImportOptions {
  client: SDataClient;
  target: string;
  files: string[];
  onProgress?: (p: ChangeFileProgress) => void;
}

export interface ImportSummary extends ResultSummary {
  files: number;
}

export async function importChanges(o: ImportOptions): Promise<ImportSummary> {
  for (const f of o.files) await readChangeFile(f); // every file checked before anything is applied
  const totals: ImportSummary = { files: 0, created: 0, updated: 0, deleted: 0, conflicts: 0, failures: 0, skipped: 0, warnings: 0 };
  let entriesDone = 0;
  for (const [i, f] of o.files.entries()) {
    const file = await readChangeFile(f);
    const digest = parseDigestDocument(parseXml((await o.client.exchange('GET', serviceUrl(o.target, '$syncDigest'))).body));
    const gaps = file.floor ? gapsIn(claimsOf(file.floor, file.ceiling), digest) : [];
    if (gaps.length > 0) {
      const from = gaps.map((g) => `${g.endpoint}: the file starts at tick ${g.fromTick}, the target has the ticks below ${tickOf(digest, g.endpoint, 1)}`).join('; ');
      throw new ChangeFileError(f, 'SyncGap', `the target has not got every change this file assumes (${from}): import the earlier change files first; nothing of this file was applied`);
    }
    const posted = await postTracked(o.client, o.target, '$syncTarget', file.xml, FEED_TYPE);
    await dropContext(o.client, posted.context);
    const counts = readResultSummary(posted.answer.body);
    for (const k of Object.keys(counts) as (keyof ResultSummary)[]) totals[k] += counts[k];
    totals.files += 1;
    entriesDone += file.entries;
    o.onProgress?.({ file: f, number: i + 1, entries: file.entries, entriesDone });
  }
  return totals;
}
