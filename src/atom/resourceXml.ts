/**
 * Resources as Atom entries and feeds (PROTOCOL.md 3.1 and 8), and the entry a client POSTs or PUTs.
 *
 *   <entry>
 *     <id>{ep}('KEY')</id> <title/> <updated/>       updated = the stamp of the resource's sync state
 *     <link rel="self"/> <link rel="edit"/>          both {ep}('KEY')
 *     <category scheme="…/sdata/categories" term="resource"/>
 *     <http:etag>…</http:etag>                       always: clients send If-Match only when they saw it
 *     <content type="text">account 12: name ACME</content>   a readable summary (RFC 4287 4.1.2, SData 3.7)
 *     <sdata:payload><account sdata:key sdata:uuid sdata:url sdata:uri>…</account></sdata:payload>
 *   </entry>
 *
 * Resource URLs have the SData key form `{ep}('KEY')`: a quote inside the key is doubled and the key is
 * percent-encoded as a path segment (`accounts('A%20B')`), which is exactly what the endpoint's URL parser
 * decodes. `keyUrl` is the one place that writes that form and `keyOfUrl` the one place in atom/ that reads it.
 */
import type { ApplicationConfig, KindConfig } from '../config/schema';
import { badRequest } from '../protocol/diagnosis';
import { asDocumentRoot, categoryNode, feedNode, pagingLinks, sdataCategory, textContentNode, type KeysetNext } from './feed';
import { NS } from './namespaces';
import { readPayload, type ReadPayload, type ReadPayloadOptions } from './payloadRead';
import { payloadNode, type PayloadResource } from './payloadWrite';
import { el, renderXml, type XChild, type XNode } from './write';
import { child, type XmlElement } from './xml';

export const ENTRY_TYPE = 'application/atom+xml; type=entry';

/** `{ep}('KEY')`: quotes doubled, then percent-encoded as one path segment. */
export function keyUrl(endpointUrl: string, key: string): string {
  return `${endpointUrl}('${encodeURIComponent(key.replace(/'/g, "''"))}')`;
}

/** What `{collection}('KEY')` names. */
export interface KeyUrlParts {
  /** The URL before the key selector, e.g. `http://h/sdata/crm/test/-/accounts`. */
  collection: string;
  /** The last path segment of the collection: the kind's name. */
  kind: string;
  key: string;
}

const SELECTOR = /^(.*\/([^/()]+))\((.*)\)$/s;
const BARE_KEY = /^[A-Za-z0-9_.:@-]+$/;

/** Reads `{collection}('KEY')` (or a bare `(KEY)`), query and fragment ignored; undefined for any other URL. */
export function keyOfUrl(url: string): KeyUrlParts | undefined {
  const m = SELECTOR.exec(url.split(/[?#]/, 1)[0]);
  if (!m) return undefined;
  let inner: string;
  try {
    inner = decodeURIComponent(m[3]);
  } catch {
    return undefined;
  }
  if (inner.length >= 2 && inner.startsWith("'") && inner.endsWith("'")) {
    const body = inner.slice(1, -1);
    if (body.replace(/''/g, '').includes("'")) return undefined;
    return { collection: m[1], kind: m[2], key: body.replace(/''/g, "'") };
  }
  return BARE_KEY.test(inner) ? { collection: m[1], kind: m[2], key: inner } : undefined;
}

/** A resource as entries show it; a stored resource of the store fits as it is. */
export interface EntryResource {
  key: string;
  uuid?: string;
  /** The stored values (their JSON form: protocol/propertyValues.ts). */
  values: Readonly<Record<string, unknown>>;
  etag?: string;
  deleted?: boolean;
  /** The sync state of the version; its stamp is the entry's `<updated>`. */
  state: { stamp: string };
  /** Referenced resources written inline (`include`). */
  included?: PayloadResource['included'];
}

/** The endpoint the entries belong to; an EndpointDef of the catalog fits as it is. */
export interface ResourceXmlContext {
  /** The endpoint URL `{ep}`. */
  url: string;
  kind: KindConfig;
  app: ApplicationConfig;
  /** Write `sdata:uuid` on payloads (default true; `includeUuid=false` in a query turns it off). */
  includeUuid?: boolean;
}

/** SData core 3.7 and 3.12: a resource entry is tagged `resource`, a resource feed `collection`. */
const RESOURCE_CATEGORY = categoryNode(sdataCategory('resource'));

/**
 * One resource as an `<entry>` (no namespace declarations: inside a feed, or passed to
 * resourceEntryDocument). `extra` elements go right before `sdata:payload` (batch and sync metadata).
 */
export function resourceEntryNode(r: EntryResource, ctx: ResourceXmlContext, extra: XChild[] = []): XNode {
  const url = keyUrl(ctx.url, r.key);
  const uuid = ctx.includeUuid === false ? undefined : r.uuid;
  return el(
    'entry',
    undefined,
    el('id', undefined, url),
    el('title', undefined, `${ctx.kind.element} ${r.key}`),
    el('updated', undefined, r.state.stamp),
    el('link', { rel: 'self', type: ENTRY_TYPE, href: url }),
    el('link', { rel: 'edit', type: ENTRY_TYPE, href: url }),
    RESOURCE_CATEGORY,
    r.etag !== undefined && el('http:etag', undefined, r.etag),
    textContentNode(resourceSummary(r, ctx.kind)),
    ...extra,
    el('sdata:payload', undefined, payloadNode({ key: r.key, uuid, url, values: r.values, deleted: r.deleted, included: r.included }, ctx.kind, ctx.app)),
  );
}

const SUMMARY_MAX = 200;

/** A readable line about a resource (its `<content>`): `account 12: name ACME, balance 12.50`, cut at 200 characters. */
export function resourceSummary(r: Pick<EntryResource, 'key' | 'values' | 'deleted'>, kind: KindConfig): string {
  const head = `${kind.element} ${r.key}`;
  if (r.deleted) return `${head} (deleted)`;
  const parts: string[] = [];
  for (const [name, def] of Object.entries(kind.properties)) {
    const v = r.values[name];
    if (v === undefined || v === null || def.type === 'reference' || def.type === 'children') continue;
    parts.push(`${name} ${String(v)}`);
  }
  const text = parts.length ? `${head}: ${parts.join(', ')}` : head;
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

/** One resource as a whole entry document (GET, POST and PUT answers). */
export function resourceEntryDocument(r: EntryResource, ctx: ResourceXmlContext): string {
  return renderXml(asDocumentRoot(resourceEntryNode(r, ctx)));
}

/** One page of the resource feed `GET {ep}?startIndex&count`. */
export interface ResourcePage {
  resources: EntryResource[];
  /** 1-based index of the page's first resource. */
  startIndex: number;
  count: number;
  total: number;
  /** Query parameters the paging links keep (e.g. `includeUuid`). */
  query?: Record<string, string>;
  /** The next link of a keyset-paged feed (a sorted one). */
  keyset?: KeysetNext;
  title?: string;
  updated?: string;
}

/** A page of resources as a feed document, with opensearch counts and paging links. */
export function resourceFeedDocument(page: ResourcePage, ctx: ResourceXmlContext): string {
  return renderXml(
    feedNode({
      id: ctx.url,
      title: page.title ?? `${ctx.kind.name} of ${ctx.app.name}`,
      updated: page.updated ?? new Date().toISOString(),
      categories: [sdataCategory('collection')],
      links: pagingLinks(ctx.url, page.query ?? {}, page.startIndex, page.count, page.total, page.keyset),
      totalResults: page.total,
      startIndex: page.startIndex,
      itemsPerPage: page.count,
      entries: page.resources.map((r) => resourceEntryNode(r, ctx)),
    }),
  );
}

/** The payload element of an entry: the one element inside its `sdata:payload`. 400 when there is none. */
export function payloadElementOf(entry: XmlElement): XmlElement {
  const payload = child(entry, NS.sdata, 'payload');
  if (!payload) throw badRequest('the entry has no sdata:payload', 'MissingPayload', 'entry/payload');
  if (payload.children.length !== 1) throw badRequest('sdata:payload must hold exactly one payload element', 'MissingPayload', 'entry/payload');
  return payload.children[0];
}

/** True for an Atom `<entry>` element (also accepted without a namespace). */
export function isEntryElement(e: XmlElement): boolean {
  return e.name === 'entry' && (e.ns === NS.atom || e.ns === '');
}

/**
 * Reads a POST or PUT body: an Atom `<entry>` (a bare one without id, title or updated is fine) whose
 * `sdata:payload` holds the resource; `sdata:key` and `sdata:uuid` on the payload element are returned.
 * Throws a 400 SDataError listing every problem.
 */
export function parseResourceEntry(root: XmlElement, kind: KindConfig, app: ApplicationConfig, options: ReadPayloadOptions = {}): ReadPayload {
  if (!isEntryElement(root)) throw badRequest(`expected an Atom <entry>, not <${root.name}>`, 'NotAnEntry');
  return readPayload(payloadElementOf(root), kind, app, options);
}
