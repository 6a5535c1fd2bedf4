/**
 * A page of a sync feed (PROTOCOL.md 2.4 and 4), written by `$syncSource` and read by `$syncTarget`:
 *
 *   <feed xmlns="…Atom" xmlns:sdata xmlns:sync xmlns:http xmlns:opensearch xmlns:sme xmlns:xsi xmlns:x>
 *     <id/> <title/> <updated/> <link rel="self|first|previous|next"/>
 *     <opensearch:totalResults/> <opensearch:startIndex/> <opensearch:itemsPerPage/>
 *     <sync:syncMode>catchUp | immediate</sync:syncMode>
 *     <sync:digest>…the ceiling…</sync:digest>
 *     <x:floorDigest>…the floor…</x:floorDigest>          when the source knows one
 *     <entry>…see syncEntry.ts…</entry>
 *   </feed>
 *
 * Elements are matched by namespace URI only (`sync:`, `sdatasync:` or a default namespace all read the
 * same). Errors in the feed's own metadata refuse the whole feed with 400 `InvalidSyncFeed` and a payloadPath
 * (`syncMode`, `digest/digestEntry[2]/tick`, …); so does an error in an entry's sync metadata
 * (`entry[3]/syncState/tick`), unless the reader takes such entries one by one (`onUnreadable`: a target
 * quarantines them alone). Payloads are left for the target to check per entry. It is written through
 * write.ts, the feed hot path.
 */
import type { Digest, SyncMode } from '../protocol/types';
import { digestNode } from './digestXml';
import { feedNode, linkHref, readOpensearch, type AtomLink } from './feed';
import { NS } from './namespaces';
import { isEntryElement } from './resourceXml';
import { SDataError } from '../protocol/diagnosis';
import { invalidSyncFeed, parseSyncEntry, readSyncDigest, syncEntryNode, unreadableSyncEntry, type ParsedSyncEntry, type SyncFeedEntryOut, type UnreadableSyncEntry } from './syncEntry';
import { el, renderFeedXml } from './write';
import { childrenNamed, childText, parseXml, type XmlElement, type XmlLimits } from './xml';

export { syncStateNode, type ParsedSyncEntry, type SyncFeedEntryOut, type UnreadableSyncEntry } from './syncEntry';

const SYNC_MODES: readonly SyncMode[] = ['catchUp', 'immediate'];

/** One page of a sync feed to write. */
export interface SyncFeedPage {
  /** `{ep}/$syncSource('UUID')`. */
  id: string;
  title?: string;
  updated: string;
  mode: SyncMode;
  /** The source digest at selection (`sync:digest`). */
  ceiling: Digest;
  /** What the source assumed the target has (`x:floorDigest`); left out when unknown. */
  floor?: Digest;
  links: AtomLink[];
  totalResults: number;
  /** 1-based index of the page's first entry. */
  startIndex: number;
  itemsPerPage: number;
  entries: SyncFeedEntryOut[];
}

/** A page of a sync feed as an XML document. */
export function buildSyncFeed(page: SyncFeedPage): string {
  return renderFeedXml(
    feedNode({
      id: page.id,
      title: page.title ?? '',
      updated: page.updated,
      links: page.links,
      totalResults: page.totalResults,
      startIndex: page.startIndex,
      itemsPerPage: page.itemsPerPage,
      extra: [el('sync:syncMode', undefined, page.mode), digestNode(page.ceiling, 'sync:digest'), page.floor && digestNode(page.floor, 'x:floorDigest')],
      entries: page.entries.map(syncEntryNode),
    }),
  );
}

/** A received page of a sync feed (its entries as read, or as a reader mapped them). */
export interface ParsedSyncFeed<E = ParsedSyncEntry> {
  id?: string;
  mode?: SyncMode;
  ceiling?: Digest;
  floor?: Digest;
  /** The `rel="next"` link; absent on the last page. */
  next?: string;
  totalResults?: number;
  startIndex?: number;
  entries: E[];
}

/** The one element of a feed with this name, or undefined; 400 when it appears more than once. */
function single(root: XmlElement, ns: string, name: string): XmlElement | undefined {
  const found = childrenNamed(root, ns, name);
  if (found.length > 1) throw invalidSyncFeed(`<${name}> appears more than once in the feed`, name);
  return found[0];
}

function modeOf(root: XmlElement): SyncMode | undefined {
  const e = single(root, NS.sync, 'syncMode');
  if (!e) return undefined;
  const mode = e.text.trim();
  if (!(SYNC_MODES as readonly string[]).includes(mode)) throw invalidSyncFeed(`sync:syncMode '${mode}' is not catchUp or immediate`, 'syncMode');
  return mode as SyncMode;
}

function digestOf(root: XmlElement, ns: string, name: string, maxEntries: number | undefined): Digest | undefined {
  const e = single(root, ns, name);
  return e ? readSyncDigest(e, name, maxEntries) : undefined;
}

/**
 * Reads a page of a sync feed; 400 (MalformedXml, InvalidSyncFeed, …) when it cannot be used at all.
 * Each entry is read as soon as it is complete and handed to `mapEntry` (for instance to decode its payload),
 * so only what `mapEntry` keeps of an entry outlives it: a page is never one tree in memory. With
 * `onUnreadable`, an entry whose sync metadata is wrong is handed to it (in its place among the entries)
 * instead of refusing the feed.
 */
export function parseSyncFeed(text: string): ParsedSyncFeed;
export function parseSyncFeed<T>(text: string, mapEntry: (e: ParsedSyncEntry) => T, limits?: XmlLimits, onUnreadable?: (e: UnreadableSyncEntry) => T): ParsedSyncFeed<T>;
export function parseSyncFeed<T>(text: string, mapEntry?: (e: ParsedSyncEntry) => T, limits?: XmlLimits, onUnreadable?: (e: UnreadableSyncEntry) => T): ParsedSyncFeed<T | ParsedSyncEntry> {
  const entries: (T | ParsedSyncEntry)[] = [];
  let index = 0;
  // The first bad entry is reported once the whole text is known to be XML and the feed's head is read, so
  // a malformed document or a bad head is what the sender hears about, wherever the entries stand.
  let entryError: unknown;
  const root = parseXml(text, {
    limits,
    takeRootChild: (el) => {
      if (!isEntryElement(el)) return false;
      index += 1;
      if (entryError !== undefined) return true;
      let entry: ParsedSyncEntry;
      try {
        entry = parseSyncEntry(el, index, limits?.maxDigestEntries);
      } catch (err) {
        if (onUnreadable && err instanceof SDataError) entries.push(onUnreadable(unreadableSyncEntry(el, index, err)));
        else entryError = err;
        return true;
      }
      try {
        entries.push(mapEntry ? mapEntry(entry) : entry);
      } catch (err) {
        entryError = err;
      }
      return true;
    },
  });
  if (root.name !== 'feed' || (root.ns !== NS.atom && root.ns !== '')) {
    throw invalidSyncFeed(`expected an Atom <feed>, not <${root.name}>${root.ns ? ` in namespace ${root.ns}` : ''}`, 'feed');
  }
  const feed: ParsedSyncFeed<T | ParsedSyncEntry> = { entries };
  const id = childText(root, NS.atom, 'id') ?? childText(root, '', 'id');
  if (id) feed.id = id;
  const mode = modeOf(root);
  if (mode) feed.mode = mode;
  const ceiling = digestOf(root, NS.sync, 'digest', limits?.maxDigestEntries);
  if (ceiling) feed.ceiling = ceiling;
  const floor = digestOf(root, NS.x, 'floorDigest', limits?.maxDigestEntries);
  if (floor) feed.floor = floor;
  const next = linkHref(root, 'next');
  if (next) feed.next = next;
  const { totalResults, startIndex } = readOpensearch(root);
  if (totalResults !== undefined) feed.totalResults = totalResults;
  if (startIndex !== undefined) feed.startIndex = startIndex;
  if (entryError !== undefined) throw entryError;
  return feed;
}
