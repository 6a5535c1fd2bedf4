/**
 * A change file's floor (PROTOCOL.md 7, change files): a page of a sync feed as the source wrote it, with
 * its `x:floorDigest` replaced. The entries are kept byte for byte; only the floor element in the head is
 * rewritten (with the prefix the page used for it), and the result is read back to check it says what
 * was meant.
 */
import { sameTicks } from '../protocol/digest';
import { SDataError } from '../protocol/diagnosis';
import type { Digest } from '../protocol/types';
import { digestNode } from './digestXml';
import { parseFeedHead } from './feedHeadXml';
import { NS } from './namespaces';
import { readSyncDigest } from './syncEntry';
import { renderFragment } from './write';
import { child } from './xml';

const FIRST_ENTRY = /<(?:[A-Za-z_][\w.-]*:)?entry[\s>/]/;
const FLOOR_ELEMENT = /<([A-Za-z_][\w.-]*:)?floorDigest[\s>][\s\S]*?<\/\1floorDigest\s*>|<([A-Za-z_][\w.-]*:)?floorDigest\s*\/>/;

/** The page with `floor` as its `x:floorDigest`; throws when the page has no floor element in its head. */
export function withFloorDigest(pageXml: string, floor: Digest): string {
  const at = pageXml.search(FIRST_ENTRY);
  const headEnd = at < 0 ? pageXml.length : at;
  const head = pageXml.slice(0, headEnd);
  const m = FLOOR_ELEMENT.exec(head);
  if (!m) throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidSyncFeed', message: 'the page has no x:floorDigest in its head to carry a change file floor' });
  const prefix = m[1] ?? m[2] ?? '';
  const replaced = renderFragment(digestNode(floor, `${prefix}floorDigest`));
  const xml = pageXml.slice(0, m.index) + replaced + pageXml.slice(m.index + m[0].length);
  const written = child(parseFeedHead(xml), NS.x, 'floorDigest');
  if (!written || !sameTicks(readSyncDigest(written, 'floorDigest'), floor)) {
    throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidSyncFeed', message: `the page's floorDigest prefix '${prefix}' is not bound to ${NS.x}` });
  }
  return xml;
}
