/**
 * What the change-file commands do (their options: commands/changeFiles.ts), for disconnected sites: `export` (a source's sync feed for a floor, as numbered files),
 * `import` (the files posted to a target, in order) and `digest` (an endpoint's digest to a file, the floor
 * of the other site's next export). Exit 0 ok, 1 a file refused or a request failed, 2 bad usage.
 */
import { writeFile } from 'node:fs/promises';
import { loadCommandSettings } from '../../config/commandSettings';
import { ChangeFileError, changeFilesOf, exportChanges, importChanges, readDigestFile } from '../../engine/changeFiles';
import { parseDigestDocument } from '../../atom/digestXml';
import { parseXml } from '../../atom/xml';
import { serviceUrl } from '../../engine/urls';
import { commandClient } from '../../engine/configured';
import { credentialOfOptions, type CredentialOptions } from '../credentials';
import { commandLog, type LogLines } from '../log';
import { progressView, withProgress } from '../progress';
import { CommandExit, endpointUrlOption, UsageError } from '../usage';

/** Runs a change-file command: a refused file prints its diagnosis and exits 1. */
async function reportingRefusals(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof ChangeFileError)) throw err;
    process.stderr.write(`refused: ${err.message} [${err.diagnosis.applicationCode}]\n`);
    throw new CommandExit(1);
  }
}

/** The settings, log and client of a change-file command; its log lines go through `lines` (a progress view) when given. */
function setup(config: string | undefined, name: string, credentials: CredentialOptions, lines?: LogLines) {
  const auth = credentialOfOptions(credentials);
  const cfg = loadCommandSettings(config);
  const log = commandLog(cfg, `sdata-sync ${name}`, lines);
  return { cfg, log, client: commandClient(cfg.engine, name, log, auth) };
}

export interface ExportCliOptions {
  source: string;
  floor: string;
  out: string;
  gzip?: boolean;
  pageSize?: number;
  config?: string;
  user?: string;
  tokenEnv?: string;
}

export function runExport(o: ExportCliOptions): Promise<void> {
  return reportingRefusals(async () => {
    const source = endpointUrlOption(o.source, '--source');
    const view = progressView();
    const { cfg, client } = setup(o.config, 'export', o, view);
    const floor = /^https?:\/\//.test(o.floor)
      ? parseDigestDocument(parseXml((await client.exchange('GET', serviceUrl(endpointUrlOption(o.floor, '--floor'), '$syncDigest'))).body))
      : await readDigestFile(o.floor);
    const s = await withProgress(view, { type: 'kind', kind: 'export', source, target: o.out }, (update) =>
      exportChanges({
        client,
        source,
        floor,
        outDir: o.out,
        gzip: o.gzip,
        pageSize: o.pageSize ?? cfg.engine.pageSize,
        onProgress: (p) => update({ type: 'page', kind: 'export', page: p.number, entries: p.entries, entriesDone: p.entriesDone, totalResults: p.totalResults }),
      }),
    );
    process.stdout.write(`${s.files.length} change file${s.files.length === 1 ? '' : 's'}, ${s.entries} entries:\n${s.files.map((f) => `  ${f}\n`).join('')}`);
  });
}

export interface ImportCliOptions {
  target: string;
  config?: string;
  user?: string;
  tokenEnv?: string;
}

/** `paths`: an export's folder, or change files in order (checksum files among them are skipped). */
export function runImport(paths: string[], o: ImportCliOptions): Promise<void> {
  return reportingRefusals(async () => {
    const target = endpointUrlOption(o.target, '--target');
    const files = await changeFilesOf(paths);
    if (files.length === 0) throw new UsageError(`no change files (NNNNNN.xml or NNNNNN.xml.gz) in ${paths.join(', ')}`);
    const view = progressView();
    const { client } = setup(o.config, 'import', o, view);
    const s = await withProgress(view, { type: 'kind', kind: 'import', source: `${files.length} file${files.length === 1 ? '' : 's'}`, target }, (update) =>
      importChanges({ client, target, files, onProgress: (p) => update({ type: 'page', kind: 'import', page: p.number, entries: p.entries, entriesDone: p.entriesDone }) }),
    );
    process.stdout.write(`${s.files} file${s.files === 1 ? '' : 's'} imported: ${s.created} created, ${s.updated} updated, ${s.deleted} deleted, ${s.conflicts} conflicts, ${s.failures} failures, ${s.skipped} skipped\n`);
    if (s.failures > 0) throw new CommandExit(1);
  });
}

export interface DigestCliOptions {
  endpoint: string;
  out: string;
  config?: string;
  user?: string;
  tokenEnv?: string;
}

export async function runDigest(o: DigestCliOptions): Promise<void> {
  const endpoint = endpointUrlOption(o.endpoint, '--endpoint');
  const { client } = setup(o.config, 'digest', o);
  const answer = await client.exchange('GET', serviceUrl(endpoint, '$syncDigest'));
  parseDigestDocument(parseXml(answer.body)); // a digest, or the command fails before writing
  await writeFile(o.out, answer.body);
  process.stdout.write(`digest of ${endpoint} written to ${o.out}\n`);
}
