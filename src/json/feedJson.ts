/**
 * A feed in SData JSON (core 3.15): what every JSON listing has around its items, whatever they are
 * (resources, `$conflicts`, `$failures`, `$syncResults`):
 *
 *   { "$url", "$descriptor", "$updated", "$totalResults", "$startIndex", "$itemsPerPage",
 *     "$first", "$previous", "$next", "$last", "$resources": [ item, … ] }
 *
 * The paging links are the Atom feed's (`pagingLinks`), each named `$` and its rel.
 */
import type { AtomLink } from '../atom/feed';

export type JsonObject = Record<string, unknown>;

export interface FeedHead {
  url: string;
  descriptor: string;
  updated: string;
  total: number;
  startIndex: number;
  count: number;
  links: readonly AtomLink[];
}

export function feedJson(head: FeedHead, resources: JsonObject[]): JsonObject {
  const paging = Object.fromEntries(head.links.filter((l) => l.rel !== 'self').map((l) => [`$${l.rel}`, l.href]));
  return {
    $url: head.url,
    $descriptor: head.descriptor,
    $updated: head.updated,
    $totalResults: head.total,
    $startIndex: head.startIndex,
    $itemsPerPage: head.count,
    ...paging,
    $resources: resources,
  };
}
