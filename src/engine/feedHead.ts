/**
 * Reads what the engine needs from a sync-feed page (its `rel="next"` link and opensearch totals) from the
 * feed's head only: the text before the first entry, closed and parsed namespace-aware. The engine forwards
 * pages as they came and never needs their entries, so it does not parse them (a page of 1,000 entries
 * costs ~30 ms to parse whole, its head well under one).
 */
import { linkHref, readOpensearch } from '../atom/feed';
import { parseXml, type XmlElement } from '../atom/xml';

export interface FeedHead {
  next?: string;
  totalResults?: number;
}

const ROOT_TAG = /<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)[\s>/]/;
const FIRST_ENTRY = /<(?:[A-Za-z_][\w.-]*:)?entry[\s>/]/;

/** The qualified name of the first element (declarations and comments start with `<?` or `<!`). */
function rootQName(xml: string): string | undefined {
  return ROOT_TAG.exec(xml)?.[1];
}

/** The feed element with its entries left out, or the whole document when it cannot be cut cleanly. */
export function parseFeedHead(xml: string): XmlElement {
  const root = rootQName(xml);
  const at = xml.search(FIRST_ENTRY);
  if (root && at > 0) {
    try {
      return parseXml(`${xml.slice(0, at)}</${root}>`);
    } catch {
      // the head does not stand alone (unusual layout): parse the whole page
    }
  }
  return parseXml(xml);
}

const NEXT_REL = /rel\s*=\s*["']next["']/;

export function readFeedHead(xml: string): FeedHead {
  let feed = parseFeedHead(xml);
  // A next link written after the entries (Atom allows it) is found by reading the whole page.
  if (linkHref(feed, 'next') === undefined && NEXT_REL.test(xml)) feed = parseXml(xml);
  return { next: linkHref(feed, 'next'), totalResults: readOpensearch(feed).totalResults };
}
