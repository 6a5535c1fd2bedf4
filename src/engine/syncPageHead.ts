/**
 * Reads what the engine needs from a sync-feed page (its `rel="next"` link, opensearch totals, ceiling,
 * floor, mode, and whether it has entries) from the feed's head only (atom/feedHeadXml.ts). The engine
 * forwards pages as they came and never needs their entries, so it does not parse them.
 */
import { feedHasEntries, parseFeedHead } from '../atom/feedHeadXml';
import { linkHref, readOpensearch } from '../atom/feed';
import { NS } from '../atom/namespaces';
import { readSyncDigest } from '../atom/syncEntry';
import { child, childText, parseXml, type XmlElement } from '../atom/xml';
import type { Digest, SyncMode } from '../protocol/types';

export interface FeedHead {
  next?: string;
  totalResults?: number;
  /** `sync:digest`, when the head has one that can be read. */
  ceiling?: Digest;
  /** `x:floorDigest`, when the head has one that can be read. */
  floor?: Digest;
  /** `sync:syncMode` (catchUp when absent). */
  mode: SyncMode;
  hasEntries: boolean;
}

function digestIn(feed: XmlElement, ns: string, name: string): Digest | undefined {
  const d = child(feed, ns, name);
  try {
    return d ? readSyncDigest(d, name) : undefined;
  } catch {
    return undefined; // the target will say what is wrong with it
  }
}

const NEXT_REL = /rel\s*=\s*["']next["']/;

export function readFeedHead(xml: string): FeedHead {
  let feed = parseFeedHead(xml);
  // A next link written after the entries (Atom allows it) is found by reading the whole page.
  if (linkHref(feed, 'next') === undefined && NEXT_REL.test(xml)) feed = parseXml(xml);
  return {
    next: linkHref(feed, 'next'),
    totalResults: readOpensearch(feed).totalResults,
    ceiling: digestIn(feed, NS.sync, 'digest'),
    floor: digestIn(feed, NS.x, 'floorDigest'),
    mode: childText(feed, NS.sync, 'syncMode') === 'immediate' ? 'immediate' : 'catchUp',
    hasEntries: feedHasEntries(xml),
  };
}
