/**
 * `sync:digest` in XML (PROTOCOL.md 3.2 and 4): `sync:origin` then one `sync:digestEntry` per endpoint
 * (endpoint, tick, stamp, conflictPriority). The same shape serves `x:floorDigest` and `x:knowledge`.
 */
import type { Digest, DigestEntry } from '../protocol/types';
import { SDataError } from '../protocol/diagnosis';
import { canonicalUrl } from '../protocol/endpointUrl';
import { asDocumentRoot, textContentNode } from './feed';
import { NS } from './namespaces';
import { ENTRY_TYPE } from './resourceXml';
import { el, renderXml, type XNode } from './write';
import { child, childText, limitExceeded, type XmlElement } from './xml';
import { DEFAULT_XML_LIMITS } from '../config/xmlLimits';

function digestEntryNodes(d: Digest): XNode[] {
  return d.entries.map((e) =>
    el('sync:digestEntry', {}, el('sync:endpoint', {}, e.endpoint), el('sync:tick', {}, e.tick), el('sync:stamp', {}, e.stamp), el('sync:conflictPriority', {}, e.conflictPriority)),
  );
}

/** A digest element with the given tag (`sync:digest`, `x:floorDigest`, `x:knowledge`). */
export function digestNode(d: Digest, tag = 'sync:digest'): XNode {
  return el(tag, {}, d.origin !== undefined && el('sync:origin', {}, d.origin), ...digestEntryNodes(d));
}

/** The `$syncDigest` resource: an Atom entry whose payload holds the endpoint's `sync:digest`. */
export function digestEntryDocument(d: Digest, endpointUrl: string, updated: string): string {
  const known = d.entries.map((e) => `${e.endpoint} ${e.tick}`).join(', ');
  return renderXml(
    asDocumentRoot(
      el(
        'entry',
        undefined,
        el('id', {}, `${endpointUrl}/$syncDigest`),
        el('title', {}, 'Synchronization digest'),
        el('updated', {}, updated),
        el('link', { rel: 'self', type: ENTRY_TYPE, href: `${endpointUrl}/$syncDigest` }),
        textContentNode(`Digest of ${endpointUrl}: ${known || 'no changes yet'}`),
        el('sdata:payload', {}, digestNode(d)),
      ),
    ),
  );
}

function invalidDigest(message: string, path: string): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidDigest', message, payloadPath: path });
}

const INTEGER = /^[+]?\d+$/;
const ENTRY_FIELDS = new Set(['endpoint', 'tick', 'stamp', 'conflictPriority']);

/** A tick as written in XML: a non-negative (safe) integer; undefined for anything else or no text. */
export function tickValue(text: string | undefined): number | undefined {
  return text !== undefined && INTEGER.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
}

/**
 * A stamp as written in XML, as ISO-8601 UTC with milliseconds; undefined when it is not a date-time of the
 * years 1 to 9999: what ISO-8601's four-digit years write and a PostgreSQL timestamp stores (JavaScript
 * dates reach year 275760, written `+275760-...`, which no timestamp column reads).
 */
export function stampValue(text: string): string | undefined {
  // A page's entries share few stamps (a batch of changes takes one): each text is read once.
  if (stamps.has(text)) return stamps.get(text);
  const value = stampOf(text);
  if (stamps.size >= STAMP_CACHE) stamps.clear();
  stamps.set(text, value);
  return value;
}

/** Stamps already read (a pure function's answers), dropped all at once when full. */
const stamps = new Map<string, string | undefined>();
const STAMP_CACHE = 1000;

function stampOf(text: string): string | undefined {
  const t = new Date(text);
  if (Number.isNaN(t.getTime())) return undefined;
  const iso = t.toISOString();
  return /^\d{4}-/.test(iso) && !iso.startsWith('0000') ? iso : undefined;
}

/**
 * Reads a digest element of any tag; 400 with a diagnosis on unknown elements, bad ticks or priorities, an
 * endpoint given twice, or more than `maxEntries` entries (refused before any entry is read). Linear in the
 * number of entries.
 */
export function parseDigestElement(d: XmlElement, path = 'digest', maxEntries = DEFAULT_XML_LIMITS.maxDigestEntries): Digest {
  const count = d.children.reduce((n, c) => (c.ns === NS.sync && c.name === 'digestEntry' ? n + 1 : n), 0);
  if (count > maxEntries) throw limitExceeded('maxDigestEntries', maxEntries, `the number of entries of a digest (${count})`);
  const entries: DigestEntry[] = [];
  const endpoints = new Set<string>();
  let origin: string | undefined;
  for (const c of d.children) {
    if (c.ns === NS.sync && c.name === 'origin') {
      origin = canonicalUrl(c.text.trim());
      continue;
    }
    if (!(c.ns === NS.sync && c.name === 'digestEntry')) throw invalidDigest(`unknown element <${c.name}> in a digest`, `${path}/${c.name}`);
    const at = `${path}/digestEntry[${entries.length + 1}]`;
    for (const f of c.children) {
      if (f.ns !== NS.sync || !ENTRY_FIELDS.has(f.name)) {
        throw invalidDigest(`unknown element <${f.name}> in a digest entry`, `${at}/${f.name}`);
      }
    }
    const named = childText(c, NS.sync, 'endpoint');
    const endpoint = named && canonicalUrl(named);
    if (!endpoint) throw invalidDigest('a digest entry needs sync:endpoint', `${at}/endpoint`);
    const tickText = childText(c, NS.sync, 'tick');
    const tick = tickValue(tickText);
    if (tick === undefined) throw invalidDigest(`tick '${tickText ?? ''}' is not a non-negative integer`, `${at}/tick`);
    const prioText = childText(c, NS.sync, 'conflictPriority') ?? '5';
    const prio = Number(prioText);
    if (!INTEGER.test(prioText) || prio < 1 || prio > 9) throw invalidDigest(`conflictPriority '${prioText}' is not an integer 1..9`, `${at}/conflictPriority`);
    const stampText = childText(c, NS.sync, 'stamp');
    const stamp = stampText ? stampValue(stampText) : new Date(0).toISOString();
    if (stamp === undefined) throw invalidDigest(`stamp '${stampText}' is not a date-time of the years 1 to 9999`, `${at}/stamp`);
    if (endpoints.has(endpoint)) throw invalidDigest(`endpoint ${endpoint} appears twice`, `${at}/endpoint`);
    endpoints.add(endpoint);
    entries.push({ endpoint, tick, stamp, conflictPriority: prio });
  }
  return origin === undefined ? { entries } : { origin, entries };
}

/** Finds the `sync:digest` inside an Atom entry (`sdata:payload/sync:digest`) or a bare `sync:digest` document. */
export function parseDigestDocument(root: XmlElement, maxEntries = DEFAULT_XML_LIMITS.maxDigestEntries): Digest {
  if (root.ns === NS.sync && root.name === 'digest') return parseDigestElement(root, 'digest', maxEntries);
  const payload = child(root, NS.sdata, 'payload');
  const d = child(payload, NS.sync, 'digest') ?? child(root, NS.sync, 'digest');
  if (!d) throw invalidDigest('expected an entry whose sdata:payload holds a sync:digest', 'entry/payload/digest');
  return parseDigestElement(d, 'digest', maxEntries);
}

