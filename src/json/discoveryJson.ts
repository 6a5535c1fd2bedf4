/**
 * An intermediate URL's feed in SData JSON: `$url`, `$descriptor`, `$category`, the counts and `$resources`;
 * a collection's entry adds `$isSyncSource`, `$isSyncTarget`, `$syncOrder` and the URLs of its `$schema`,
 * `$template` and `$syncDigest` (core 3.15 names derived URLs after their service).
 */
import type { DiscoveryEntry, DiscoveryFeed } from '../atom/discoveryXml';

function entryJson(e: DiscoveryEntry): Record<string, unknown> {
  return {
    $url: e.url,
    $descriptor: e.title,
    $category: e.term,
    ...(e.sync ? { $isSyncSource: e.sync.isSyncSource, $isSyncTarget: e.sync.isSyncTarget, $syncOrder: e.sync.syncOrder } : {}),
    ...Object.fromEntries(e.links.map((l) => [`$${l.href.slice(l.href.lastIndexOf('/$') + 2)}`, l.href])),
  };
}

export function discoveryJson(f: DiscoveryFeed): Record<string, unknown> {
  return {
    $url: f.url,
    $descriptor: f.title,
    $category: f.term,
    $updated: f.updated,
    ...(f.up ? { $up: f.up } : {}),
    $totalResults: f.entries.length,
    $startIndex: 1,
    $itemsPerPage: f.entries.length,
    $resources: f.entries.map(entryJson),
  };
}
