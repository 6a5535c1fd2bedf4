/**
 * Pieces every Atom feed shares (PROTOCOL.md 3.1 and 8): paging links, the feed element with its
 * opensearch counts, and reading links and counts back (the engine follows `rel="next"`).
 *
 * Pages are 1-based (`startIndex=1` is the first resource). A feed always carries at least the self and
 * first links: an SData client that sees a single `<link>` loses it.
 */
import { NS, ROOT_NAMESPACE_ATTRS } from './namespaces';
import { el, type XChild, type XNode } from './write';
import { attr, childrenNamed, childText, type XmlElement } from './xml';

export const FEED_TYPE = 'application/atom+xml; type=feed';

export interface AtomLink {
  rel: string;
  href: string;
  type?: string;
  title?: string;
}

/** `base?query&startIndex=s&count=c`, keeping the query parameters given (in their order). */
function pageUrl(baseUrl: string, query: Record<string, string>, startIndex: number, count: number): string {
  const params = new URLSearchParams(query);
  params.set('startIndex', String(startIndex));
  params.set('count', String(count));
  return `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}${params.toString()}`;
}

/** Where the last page starts, stepping by `count` from the current page (from 1 when past the end). */
function lastStart(startIndex: number, count: number, total: number): number {
  if (total <= 0) return 1;
  if (startIndex > total) return Math.floor((total - 1) / count) * count + 1;
  return startIndex + Math.floor((total - startIndex) / count) * count;
}

/** The next link of a keyset-paged feed: its cursor parameters, and whether anything follows the page. */
export interface KeysetNext {
  query: Record<string, string>;
  exists: boolean;
}

/**
 * The links of one page: self, first and last always; previous when the page does not start at 1; next
 * while resources remain after this page (for a keyset-paged feed: when `keyset` says so, with its cursor).
 * A page of `count=0` (the totals only) links to itself and to the first page, both with `count=0`: pages
 * of no entries lead nowhere else.
 */
export function pagingLinks(baseUrl: string, query: Record<string, string>, startIndex: number, pageSize: number, total: number, keyset?: KeysetNext): AtomLink[] {
  const count = Math.max(0, pageSize);
  const link = (rel: string, start: number, extra: Record<string, string> = {}): AtomLink => ({ rel, href: pageUrl(baseUrl, { ...query, ...extra }, start, count), type: FEED_TYPE });
  const links = [link('self', startIndex), link('first', 1)];
  if (count === 0) return links;
  if (startIndex > 1) links.push(link('previous', Math.max(1, Math.min(startIndex - count, lastStart(startIndex, count, total)))));
  if (keyset ? keyset.exists : startIndex + count <= total) links.push(link('next', startIndex + count, keyset?.query));
  links.push(link('last', lastStart(startIndex, count, total)));
  return links;
}

export function linkNode(l: AtomLink): XNode {
  return el('link', { rel: l.rel, type: l.type, href: l.href, title: l.title });
}

/** Who writes every feed and standalone entry of this product (RFC 4287 4.1.1: a feed or entry MUST name an author). */
const AUTHOR_NAME = 'sdata-sync';

/** `<author><name>…</name></author>`. */
function authorNode(name: string = AUTHOR_NAME): XNode {
  return el('author', undefined, el('name', undefined, name));
}

/**
 * `<content type="text">…</content>`: what a person reads of an entry (RFC 4287 4.1.2 asks for content or an
 * alternate link; SData core 3.7 for a readable text summary of the resource).
 */
export function textContentNode(text: string): XNode {
  return el('content', { type: 'text' }, text);
}

/** The SData category scheme (core 3.12): what an intermediate URL's feed and entries describe. */
export const SDATA_CATEGORY_SCHEME = 'http://schemas.sage.com/sdata/categories';

export interface AtomCategory {
  term: string;
  label?: string;
}

/** The terms of the SData scheme this product writes, with their labels. */
const SDATA_CATEGORY_LABELS = {
  provider: 'Provider',
  application: 'Application',
  contract: 'Contract',
  dataset: 'Dataset',
  collection: 'Resource Collection',
  resource: 'Resource',
} as const;

export type SDataCategoryTerm = keyof typeof SDATA_CATEGORY_LABELS;

export const sdataCategory = (term: SDataCategoryTerm): AtomCategory => ({ term, label: SDATA_CATEGORY_LABELS[term] });

/** `<category scheme="…/sdata/categories" term label/>`. */
export function categoryNode(c: AtomCategory): XNode {
  return el('category', { scheme: SDATA_CATEGORY_SCHEME, term: c.term, label: c.label });
}

export interface FeedParts {
  id: string;
  title: string;
  /** ISO-8601 time of the feed. */
  updated: string;
  /** The feed's author (default AUTHOR_NAME); entries inherit it (RFC 4287 4.2.1). */
  author?: string;
  /** SData categories of the feed (intermediate URLs). */
  categories?: AtomCategory[];
  links: AtomLink[];
  totalResults?: number;
  startIndex?: number;
  itemsPerPage?: number;
  /** Elements written after the opensearch counts and before the entries (sync:digest, diagnoses, ...). */
  extra?: XChild[];
  entries: XNode[];
}

/**
 * An entry node as a whole document's root: Atom as default namespace and the SData prefixes declared, and
 * an `<author>` after its id, title and updated (an entry outside a feed MUST name one, RFC 4287 4.1.2).
 */
export function asDocumentRoot(node: XNode): XNode {
  const children = [...(node.children ?? [])];
  children.splice(3, 0, authorNode());
  return { ...node, attrs: { ...ROOT_NAMESPACE_ATTRS, ...node.attrs }, children };
}

/**
 * A whole `<feed>` document element: Atom as default namespace and the prefixes SData clients read. Every
 * feed names its author, so its entries need not (RFC 4287 4.1.1).
 */
export function feedNode(f: FeedParts): XNode {
  return el(
    'feed',
    ROOT_NAMESPACE_ATTRS,
    el('id', {}, f.id),
    el('title', {}, f.title),
    el('updated', {}, f.updated),
    authorNode(f.author),
    ...(f.categories ?? []).map(categoryNode),
    ...f.links.map(linkNode),
    f.totalResults !== undefined && el('opensearch:totalResults', {}, f.totalResults),
    f.startIndex !== undefined && el('opensearch:startIndex', {}, f.startIndex),
    f.itemsPerPage !== undefined && el('opensearch:itemsPerPage', {}, f.itemsPerPage),
    ...(f.extra ?? []),
    ...f.entries,
  );
}

const IANA_RELATION = 'http://www.iana.org/assignments/relation/';

/** The href of the first Atom `<link>` of `root` with this rel (also written as an IANA relation URI). */
export function linkHref(root: XmlElement, rel: string): string | undefined {
  for (const l of childrenNamed(root, NS.atom, 'link')) {
    const r = (attr(l, '', 'rel') ?? 'alternate').trim();
    if (r === rel || r === IANA_RELATION + rel) return attr(l, '', 'href');
  }
  return undefined;
}

export interface OpensearchCounts {
  totalResults?: number;
  startIndex?: number;
  itemsPerPage?: number;
}

function countOf(root: XmlElement, name: string): number | undefined {
  const text = childText(root, NS.opensearch, name);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The opensearch counts of a feed; a count that is absent or not a non-negative integer is undefined. */
export function readOpensearch(root: XmlElement): OpensearchCounts {
  return { totalResults: countOf(root, 'totalResults'), startIndex: countOf(root, 'startIndex'), itemsPerPage: countOf(root, 'itemsPerPage') };
}
