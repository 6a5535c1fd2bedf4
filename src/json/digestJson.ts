/**
 * The `$syncDigest` resource in SData JSON: the entry's protocol data with `$`, the digest's fields by their
 * XML local names (`origin`, then one `digestEntry` per endpoint known):
 *
 *   { "$url": "{ep}/$syncDigest", "$descriptor": "Synchronization digest", "$updated": "…",
 *     "origin": "{ep}", "digestEntry": [ { "endpoint", "tick", "stamp", "conflictPriority" } ] }
 *
 * `PUT $syncDigest` takes the same shape (its `$` fields ignored). It is read through the XML reader's
 * model: the object becomes the `sync:digest` element the XML reader would have built and is checked by the
 * same parseDigestElement, so both bodies obey the same rules; the diagnoses name the JSON body's things
 * (`digestEntry/2/tick`, jsonDiagnoses.ts).
 */
import type { Digest } from '../protocol/types';
import { NS } from '../atom/namespaces';
import { parseDigestElement } from '../atom/digestXml';
import type { XmlElement } from '../atom/xml';
import { badRequest } from '../protocol/diagnosis';
import { withJsonDiagnoses } from './jsonDiagnoses';
import { isObject, textOf } from './resourceJson';

/** The entries of a digest, by their XML local names (a `$syncDigest`, a version's knowledge). */
export function digestEntriesJson(d: Digest): Record<string, unknown>[] {
  return d.entries.map((e) => ({ endpoint: e.endpoint, tick: e.tick, stamp: e.stamp, conflictPriority: e.conflictPriority }));
}

export function digestJson(d: Digest, endpointUrl: string, updated: string): Record<string, unknown> {
  return {
    $url: `${endpointUrl}/$syncDigest`,
    $descriptor: 'Synchronization digest',
    $updated: updated,
    origin: d.origin ?? endpointUrl,
    digestEntry: digestEntriesJson(d),
  };
}

function syncElement(name: string, children: XmlElement[] = [], text = ''): XmlElement {
  return { ns: NS.sync, name, prefix: 'sync', attrs: [], children, text };
}

/** The fields of an object as `sync:` elements (`$` fields left out); a scalar as text. */
function fieldsOf(v: unknown): XmlElement[] {
  if (!isObject(v)) return [];
  return Object.keys(v)
    .filter((k) => !k.startsWith('$'))
    .map((k) => syncElement(k, [], textOf(v[k])));
}

function digestElementOfJson(body: Record<string, unknown>): XmlElement {
  const children: XmlElement[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith('$')) continue;
    if (k === 'digestEntry') {
      for (const entry of Array.isArray(v) ? v : [v]) children.push(syncElement('digestEntry', fieldsOf(entry), isObject(entry) ? '' : textOf(entry)));
    } else children.push(syncElement(k, [], textOf(v)));
  }
  return syncElement('digest', children);
}

/** Reads a `PUT $syncDigest` JSON body (already parsed, see jsonBody.ts); 400 naming the JSON property at fault. */
export function parseDigestJson(body: unknown, maxEntries: number): Digest {
  if (!isObject(body)) throw badRequest('PUT $syncDigest needs a JSON object holding origin and digestEntry', 'InvalidDigest');
  return withJsonDiagnoses(() => parseDigestElement(digestElementOfJson(body), 'digest', maxEntries), 'digest', { rows: 'array' });
}
