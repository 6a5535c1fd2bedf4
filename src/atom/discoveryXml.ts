/**
 * The feeds of the intermediate URLs (SData core 2.9 and 3.12): `/sdata` lists applications,
 * `/sdata/{app}` contracts, `/sdata/{app}/{contract}` datasets and `/sdata/{app}/{contract}/{dataset}` the
 * resource collections (kinds). The feed and each entry carry their category in the SData scheme:
 *
 *   <feed>
 *     <id>{url}</id> <title/> <updated/> <author/> <category scheme="…/sdata/categories" term="dataset"/>
 *     <link rel="self"/> <link rel="first"/> <link rel="up"/>            up: the level above, when there is one
 *     <opensearch:totalResults/> …
 *     <entry>
 *       <id>{next level's URL}</id> <title/> <updated/> <category term="collection"/>
 *       <link rel="alternate" type="…feed" href="{next level's URL}"/>
 *       <link rel="http://schemas.sage.com/sdata/link-relations/schema" href="{ep}/$schema"/>   (collections)
 *       <link rel="http://schemas.sage.com/sdata/link-relations/template" href="{ep}/$template"/>
 *       <link rel="urn:sdata-sync:ext:1/syncDigest" href="{ep}/$syncDigest"/>
 *       <content type="text">accounts: sync source and target, sync order 1</content>
 *       <x:isSyncSource/> <x:isSyncTarget/> <x:syncOrder/>                                   (collections)
 *     </entry>
 *   </feed>
 */
import { FEED_TYPE, feedNode, linkNode, textContentNode, categoryNode, sdataCategory, type AtomLink, type SDataCategoryTerm } from './feed';
import { el, renderXml, type XNode } from './write';

type DiscoveryTerm = Exclude<SDataCategoryTerm, 'resource'>;

/** How a resource kind takes part in synchronisation (what its `$schema` says with sme: attributes). */
interface KindSync {
  isSyncSource: boolean;
  isSyncTarget: boolean;
  syncOrder: number;
}

export interface DiscoveryEntry {
  /** The next level's URL: the entry's id and its alternate link. */
  url: string;
  title: string;
  term: DiscoveryTerm;
  /** What a person reads of the entry. */
  summary: string;
  /** Links besides the alternate one ($schema, $template, $syncDigest of a kind). */
  links: AtomLink[];
  sync?: KindSync;
}

export interface DiscoveryFeed {
  url: string;
  title: string;
  term: DiscoveryTerm;
  /** The level above (absent for the provider). */
  up?: string;
  /** Further feed links (the dataset's $schema). */
  links: AtomLink[];
  updated: string;
  entries: DiscoveryEntry[];
}

function entryNode(e: DiscoveryEntry, updated: string): XNode {
  return el(
    'entry',
    undefined,
    el('id', undefined, e.url),
    el('title', undefined, e.title),
    el('updated', undefined, updated),
    categoryNode(sdataCategory(e.term)),
    linkNode({ rel: 'alternate', type: FEED_TYPE, href: e.url }),
    ...e.links.map(linkNode),
    textContentNode(e.summary),
    ...(e.sync
      ? [el('x:isSyncSource', undefined, String(e.sync.isSyncSource)), el('x:isSyncTarget', undefined, String(e.sync.isSyncTarget)), el('x:syncOrder', undefined, e.sync.syncOrder)]
      : []),
  );
}

/** An intermediate URL's answer as an Atom feed document. */
export function discoveryFeedDocument(f: DiscoveryFeed): string {
  const self = (rel: string): AtomLink => ({ rel, type: FEED_TYPE, href: f.url });
  return renderXml(
    feedNode({
      id: f.url,
      title: f.title,
      updated: f.updated,
      categories: [sdataCategory(f.term)],
      links: [self('self'), self('first'), ...(f.up ? [{ rel: 'up', type: FEED_TYPE, href: f.up }] : []), ...f.links],
      totalResults: f.entries.length,
      startIndex: 1,
      itemsPerPage: f.entries.length,
      entries: f.entries.map((e) => entryNode(e, f.updated)),
    }),
  );
}
