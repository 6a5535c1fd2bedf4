/**
 * Reads what the engine needs from a sync-feed page (its `rel="next"` link and opensearch totals) from the
 * feed's head only (atom/feedHead.ts). The engine forwards pages as they came and never needs their entries,
 * so it does not parse them.
 */
import { parseFeedHead } from '../atom/feedHead';
import { linkHref, readOpensearch } from '../atom/feed';
import { parseXml } from '../atom/xml';

export interface FeedHead {
  next?: string;
  totalResults?: number;
}

const NEXT_REL = /rel\s*=\s*["']next["']/;

export function readFeedHead(xml: string): FeedHead {
  let feed = parseFeedHead(xml);
  // A next link written after the entries (Atom allows it) is found by reading the whole page.
  if (linkHref(feed, 'next') === undefined && NEXT_REL.test(xml)) feed = parseXml(xml);
  return { next: linkHref(feed, 'next'), totalResults: readOpensearch(feed).totalResults };
}
