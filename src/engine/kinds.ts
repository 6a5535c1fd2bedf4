/**
 * Which kinds a pass between two applications moves, and in what order: the kinds the source's
 * application-level `$schema` marks as sync sources and the target's marks as sync targets, in increasing
 * `sme:syncOrder` (referenced kinds first), with each end's schema version of the kind.
 */
import { parseSchemaKinds } from '../atom/schemaKinds';
import { parseXml } from '../atom/xml';
import { serviceUrl } from '../protocol/serviceUrl';
import type { SDataClient } from './sdataClient';
import type { SchemaVersions } from './schemaCheck';

export interface SchemaKind {
  name: string;
  syncOrder: number;
  /** Each end's `x:schemaVersion` of the kind, when it shows one (schemaCheck.ts). */
  versions: SchemaVersions;
}

async function schemaKinds(client: SDataClient, applicationUrl: string) {
  const answer = await client.exchange('GET', serviceUrl(applicationUrl, '$schema'));
  return parseSchemaKinds(parseXml(answer.body));
}

/**
 * The kinds to synchronise from one application to another, in syncOrder. `only` narrows them (unknown
 * names are an error, so a typo does not silently sync nothing).
 */
export async function kindsToSync(client: SDataClient, sourceApp: string, targetApp: string, only?: string[]): Promise<SchemaKind[]> {
  const [source, target] = await Promise.all([schemaKinds(client, sourceApp), schemaKinds(client, targetApp)]);
  const targets = new Map(target.filter((k) => k.isSyncTarget).map((k) => [k.name, k]));
  if (only) {
    const known = new Set(source.map((k) => k.name));
    const unknown = only.filter((k) => !known.has(k));
    if (unknown.length) throw new Error(`kinds not declared by ${sourceApp}: ${unknown.join(', ')}`);
  }
  return source
    .filter((k) => k.isSyncSource && targets.has(k.name) && (!only || only.includes(k.name)))
    .sort((a, b) => a.syncOrder - b.syncOrder || a.name.localeCompare(b.name))
    .map((k) => ({ name: k.name, syncOrder: k.syncOrder, versions: { source: k.schemaVersion, target: targets.get(k.name)?.schemaVersion } }));
}
