/**
 * One entry of a sync feed (PROTOCOL.md 4), written and read:
 *
 *   <entry>
 *     <id>{ep}('K')</id> <title/> <updated/> <http:etag/>
 *     <sync:syncState>
 *       <sync:endpoint/> <sync:tick/> <sync:stamp/> <sync:user/>      user only when known
 *       <x:knowledge>…digest entries…</x:knowledge>                   only when the version has one (2.5)
 *     </sync:syncState>
 *     <sdata:payload><account sdata:key sdata:uuid sdata:url [sdata:isDeleted="true"]>…</account></sdata:payload>
 *   </entry>
 *
 * Reading an entry's sync metadata (syncState and knowledge) throws on any error: SDataError 400,
 * applicationCode `InvalidSyncFeed`, payloadPath such as `entry[3]/syncState/tick`. A reader of a whole
 * feed decides what that means (a target quarantines such an entry alone: `unreadableSyncEntry` keeps what
 * can still be read of it). The payload is returned unread (an XmlElement): it is checked per entry by the
 * target, which quarantines a bad entry alone. A missing or malformed or nil UUID is such a per-entry
 * problem too: the entry's `uuid` is then undefined, and `givenUuid` keeps what it wrote.
 */
import { SDataError, type Diagnosis } from '../protocol/diagnosis';
import { canonicalUrl } from '../protocol/endpointUrl';
import { namesResource } from '../protocol/pageIdentity';
import type { Digest, SyncState } from '../protocol/types';
import { digestNode, parseDigestElement, stampValue, tickValue } from './digestXml';
import { NS } from './namespaces';
import { isUuid } from '../protocol/values';
import { el, type XNode } from './write';
import { attr, child, childText, type XmlElement } from './xml';

/** The 400 that refuses a whole sync feed over its sync metadata. */
export function invalidSyncFeed(message: string, payloadPath: string): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidSyncFeed', message, payloadPath });
}

/**
 * Reads a digest-shaped element (`sync:digest`, `x:floorDigest`, `x:knowledge`), its errors as InvalidSyncFeed
 * (a digest over `maxEntries` entries too, its message naming the setting).
 */
export function readSyncDigest(e: XmlElement, path: string, maxEntries?: number): Digest {
  try {
    return parseDigestElement(e, path, maxEntries);
  } catch (err) {
    if (!(err instanceof SDataError)) throw err;
    const [first] = err.diagnoses;
    throw invalidSyncFeed(first.message, first.payloadPath ?? path);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/** `sync:syncState` of a version, with `x:knowledge` when a knowledge digest with entries is given. */
export function syncStateNode(state: SyncState, knowledge?: Digest): XNode {
  return el(
    'sync:syncState',
    undefined,
    el('sync:endpoint', undefined, state.endpoint),
    el('sync:tick', undefined, state.tick),
    el('sync:stamp', undefined, state.stamp),
    state.user !== undefined && state.user !== '' && el('sync:user', undefined, state.user),
    knowledge !== undefined && knowledge.entries.length > 0 && digestNode(knowledge, 'x:knowledge'),
  );
}

/** One resource version as a sync feed entry. */
export interface SyncFeedEntryOut {
  /** The resource's URL `{ep}('K')`. */
  id: string;
  title?: string;
  /** ISO-8601 time of the entry (usually the sync state's stamp). */
  updated: string;
  uuid: string;
  state: SyncState;
  /** The version's knowledge (PROTOCOL.md 2.5); written only when given and not empty. */
  knowledge?: Digest;
  deleted: boolean;
  /** The resource element (built by payloadNode) with sdata:key/uuid/url, or sdata:isDeleted="true". */
  payload: XNode;
  etag?: string;
}

/** The payload element, with sdata:uuid and sdata:isDeleted added when the entry says so and it does not. */
function entryPayload(e: SyncFeedEntryOut): XNode {
  const attrs = e.payload.attrs ?? {};
  const needsUuid = attrs['sdata:uuid'] === undefined || attrs['sdata:uuid'] === null;
  const needsDeleted = e.deleted && attrs['sdata:isDeleted'] === undefined;
  if (!needsUuid && !needsDeleted) return e.payload;
  return {
    ...e.payload,
    attrs: { ...attrs, ...(needsUuid ? { 'sdata:uuid': e.uuid } : {}), ...(needsDeleted ? { 'sdata:isDeleted': 'true' } : {}) },
  };
}

/**
 * One `<entry>` of a sync feed (no namespace declarations: the feed element carries them). Its
 * `<content>` (text, the default type) names the resource by its title, else its id (RFC 4287 4.1.2);
 * the feed names the author. Two short constant-shape elements: the feed hot path stays as it was.
 */
export function syncEntryNode(e: SyncFeedEntryOut): XNode {
  return el(
    'entry',
    undefined,
    el('id', undefined, e.id),
    el('title', undefined, e.title),
    el('updated', undefined, e.updated),
    e.etag !== undefined && el('http:etag', undefined, e.etag),
    el('content', undefined, e.deleted ? `${e.title ?? e.id} (deleted)` : (e.title ?? e.id)),
    syncStateNode(e.state, e.knowledge),
    el('sdata:payload', undefined, entryPayload(e)),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Reading

/** One entry of a received sync feed. */
export interface ParsedSyncEntry {
  /** 1-based position of the entry in the page. */
  index: number;
  id?: string;
  /** Lower-case UUID from the payload element's sdata:uuid (else an entry-level sdata:uuid); undefined when absent, not a UUID or nil. */
  uuid?: string;
  /** That sdata:uuid as written (trimmed, lower case), whatever it holds. */
  givenUuid?: string;
  /** The payload element's sdata:key. */
  key?: string;
  state: SyncState;
  knowledge?: Digest;
  /** The payload element has sdata:isDeleted="true" (or the entry's http:httpMethod is DELETE). */
  deleted: boolean;
  /** The resource element inside sdata:payload (its first element), unread. */
  payload?: XmlElement;
  /** `http:httpMethod` when the entry carries one, upper case. */
  httpMethod?: string;
}

const SYNC_STATE_FIELDS = new Set(['endpoint', 'tick', 'stamp', 'user']);

const isTrue = (v: string | undefined): boolean => v !== undefined && (v.trim() === 'true' || v.trim() === '1');

/** Checks that `syncState` holds only known elements, each at most once. */
function checkSyncStateChildren(s: XmlElement, at: string): void {
  const { children } = s;
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    const known = (c.ns === NS.sync && SYNC_STATE_FIELDS.has(c.name)) || (c.ns === NS.x && c.name === 'knowledge');
    if (!known) throw invalidSyncFeed(`unknown element <${c.name}>${c.ns ? ` in namespace ${c.ns}` : ''} in sync:syncState`, `${at}/${c.name}`);
    // At most five children: looking back is cheaper than a set per entry.
    for (let j = 0; j < i; j++) {
      if (children[j].name === c.name) throw invalidSyncFeed(`<${c.name}> appears more than once in sync:syncState`, `${at}/${c.name}`);
    }
  }
}

/** Reads a `sync:syncState` element; 400 InvalidSyncFeed on anything wrong. */
export function parseSyncState(s: XmlElement, at: string, maxDigestEntries?: number): { state: SyncState; knowledge?: Digest } {
  checkSyncStateChildren(s, at);
  const named = childText(s, NS.sync, 'endpoint');
  const endpoint = named && canonicalUrl(named);
  if (!endpoint) throw invalidSyncFeed('sync:syncState needs sync:endpoint', `${at}/endpoint`);
  const tickText = childText(s, NS.sync, 'tick');
  const tick = tickValue(tickText);
  if (tick === undefined) {
    const message = tickText === undefined ? 'sync:syncState needs sync:tick' : `tick '${tickText}' is not a non-negative integer`;
    throw invalidSyncFeed(message, `${at}/tick`);
  }
  const stampText = childText(s, NS.sync, 'stamp');
  const stamp = stampText ? stampValue(stampText) : undefined;
  if (stamp === undefined) {
    throw invalidSyncFeed(stampText ? `stamp '${stampText}' is not a date-time of the years 1 to 9999` : 'sync:syncState needs sync:stamp', `${at}/stamp`);
  }
  const user = childText(s, NS.sync, 'user');
  const state: SyncState = user ? { endpoint, tick, stamp, user } : { endpoint, tick, stamp };
  const k = child(s, NS.x, 'knowledge');
  return k ? { state, knowledge: readSyncDigest(k, `${at}/knowledge`, maxDigestEntries) } : { state };
}


/** What an entry says of the resource, whatever its sync metadata holds: id, UUID, key, payload, deletion. */
type EntryIdentity = Omit<ParsedSyncEntry, 'index' | 'state' | 'knowledge'>;

function entryIdentity(entry: XmlElement): EntryIdentity {
  const payload = child(entry, NS.sdata, 'payload')?.children[0];
  const httpMethod = childText(entry, NS.http, 'httpMethod')?.toUpperCase() || undefined;
  const parsed: EntryIdentity = { deleted: isTrue(attr(payload, NS.sdata, 'isDeleted')) || httpMethod === 'DELETE' };
  const id = childText(entry, NS.atom, 'id') ?? childText(entry, '', 'id');
  if (id) parsed.id = id;
  const givenUuid = (attr(payload, NS.sdata, 'uuid') ?? childText(entry, NS.sdata, 'uuid'))?.trim().toLowerCase();
  if (givenUuid) {
    parsed.givenUuid = givenUuid;
    if (isUuid(givenUuid) && namesResource(givenUuid)) parsed.uuid = givenUuid;
  }
  const key = attr(payload, NS.sdata, 'key');
  if (key !== undefined) parsed.key = key;
  if (payload) parsed.payload = payload;
  if (httpMethod) parsed.httpMethod = httpMethod;
  return parsed;
}

/**
 * Reads one `<entry>` of a sync feed (`index` is its 1-based position; `x:knowledge` holds at most
 * `maxDigestEntries`); 400 InvalidSyncFeed when its sync metadata is wrong.
 */
export function parseSyncEntry(entry: XmlElement, index: number, maxDigestEntries?: number): ParsedSyncEntry {
  const at = `entry[${index}]`;
  const s = child(entry, NS.sync, 'syncState');
  if (!s) throw invalidSyncFeed('the entry has no sync:syncState', `${at}/syncState`);
  if (entry.children.filter((c) => c.ns === NS.sync && c.name === 'syncState').length > 1) {
    throw invalidSyncFeed('sync:syncState appears more than once in the entry', `${at}/syncState`);
  }
  const { state, knowledge } = parseSyncState(s, `${at}/syncState`, maxDigestEntries);
  const parsed: ParsedSyncEntry = { index, state, ...entryIdentity(entry) };
  if (knowledge) parsed.knowledge = knowledge;
  return parsed;
}

/** An entry whose sync metadata cannot be read: what it says of the resource, and why it cannot be used. */
export interface UnreadableSyncEntry extends EntryIdentity {
  index: number;
  problems: Diagnosis[];
}

/** What can still be read of an entry `parseSyncEntry` refused with `err`. */
export function unreadableSyncEntry(entry: XmlElement, index: number, err: SDataError): UnreadableSyncEntry {
  return { index, ...entryIdentity(entry), problems: err.diagnoses };
}
