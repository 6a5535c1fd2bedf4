/**
 * A feed's head: the feed element with its entries left out. Readers that need only what a feed says about
 * itself (paging links, opensearch totals, a result feed's summary) read the text before the first entry,
 * closed and parsed namespace-aware, instead of the whole feed (a page of 1,000 entries costs ~15 ms to
 * parse whole, its head well under one).
 */
import { parseXml, type XmlElement } from './xml';

const ROOT_TAG = /<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)[\s>/]/;
const FIRST_ENTRY = /<(?:[A-Za-z_][\w.-]*:)?entry[\s>/]/;

/** The qualified name of the first element (declarations and comments start with `<?` or `<!`). */
function rootQName(xml: string): string | undefined {
  return ROOT_TAG.exec(xml)?.[1];
}

/** True when the feed has at least one entry (an element named `entry`, whatever its prefix). */
export function feedHasEntries(xml: string): boolean {
  return FIRST_ENTRY.test(xml);
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
