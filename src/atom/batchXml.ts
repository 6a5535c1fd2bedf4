/**
 * The SData `$batch` request and answer (PROTOCOL.md 3.1).
 *
 * Request: an Atom feed; each entry has `http:httpMethod` (POST, PUT, DELETE, GET), optionally
 * `http:ifMatch`, and for POST and PUT an `sdata:payload`. PUT, DELETE and GET name their resource by the
 * entry's `<id>` (`{ep}('KEY')`), else by the payload's `sdata:url`, else by its `sdata:key`.
 * A body that is not a feed is refused whole (400); an entry that cannot be read is refused alone (its
 * `refused` error), so the other entries still run.
 *
 * Answer: a feed with one entry per request entry, in order: `http:httpMethod`, `http:httpStatus`,
 * `http:httpMessage`, `http:location` and `http:etag` (when there is a live resource), `sdata:diagnosis`
 * for a refused entry, and the resource's payload when there is one (not for a DELETE).
 */
import { STATUS_CODES } from 'node:http';
import { badRequest, SDataError, type Diagnosis } from '../protocol/diagnosis';
import { diagnosisNode, outcomeContentNode } from './diagnosisXml';
import { FEED_TYPE, feedNode } from './feed';
import { NS } from './namespaces';
import { readPayload, type ReadPayload } from './payloadRead';
import { isEntryElement, keyOfUrl, keyUrl, payloadElementOf, resourceEntryNode, type EntryResource, type ResourceXmlContext } from './resourceXml';
import { el, renderFeedXml, type XNode } from './write';
import { attr, child, childText, type XmlElement } from './xml';

interface BatchEntryBase {
  /** 1-based position of the entry in the request. */
  index: number;
  /** The entry's `<id>` as sent. */
  id?: string;
}

/** One entry of a `$batch` request, read and checked. */
export type BatchRequest =
  | (BatchEntryBase & { method: 'POST'; payload: ReadPayload })
  | (BatchEntryBase & { method: 'PUT'; key: string; ifMatch?: string[]; payload: ReadPayload })
  | (BatchEntryBase & { method: 'DELETE'; key: string; ifMatch?: string[] })
  | (BatchEntryBase & { method: 'GET'; key: string })
  /** An entry that cannot be done as sent (unknown method, no key, a bad payload): answered alone. */
  | (BatchEntryBase & { method: string; refused: SDataError });

const METHODS: readonly string[] = ['POST', 'PUT', 'DELETE', 'GET'];

/** `http:ifMatch` as a list of entity tags (the syntax of an If-Match header); undefined when absent. */
function ifMatchOf(entry: XmlElement): string[] | undefined {
  const text = childText(entry, NS.http, 'ifMatch');
  const tags = text?.split(',').map((t) => t.trim()).filter(Boolean);
  return tags && tags.length > 0 ? tags : undefined;
}

/** The key a PUT, DELETE or GET entry names: its id URL, else the payload's sdata:url, else its sdata:key. */
function targetKey(id: string | undefined, payloadEl: XmlElement | undefined, ctx: ResourceXmlContext, at: string): string {
  for (const [url, where] of [
    [id, `${at}/id`],
    [payloadEl && attr(payloadEl, NS.sdata, 'url'), `${at}/payload/@sdata:url`],
  ] as const) {
    if (!url) continue;
    const named = keyOfUrl(url);
    if (!named) continue;
    if (named.kind !== ctx.kind.name) throw badRequest(`'${url}' names a resource of '${named.kind}', not of '${ctx.kind.name}'`, 'WrongResourceKind', where);
    return named.key;
  }
  const key = payloadEl && attr(payloadEl, NS.sdata, 'key');
  if (key !== undefined) return key;
  throw badRequest(`name the resource by its id {ep}('KEY'), or sdata:url or sdata:key on the payload`, 'MissingKey', `${at}/id`);
}

function readEntry(entry: XmlElement, index: number, ctx: ResourceXmlContext): BatchRequest {
  const at = `entry[${index}]`;
  const id = childText(entry, NS.atom, 'id') ?? childText(entry, '', 'id');
  const method = (childText(entry, NS.http, 'httpMethod') ?? '').toUpperCase();
  const base = id ? { index, id } : { index };
  try {
    if (!METHODS.includes(method)) {
      const message = method ? `http:httpMethod '${method}' is not POST, PUT, DELETE or GET` : 'the entry has no http:httpMethod';
      throw new SDataError(method ? 405 : 400, { sdataCode: method ? 'MethodNotAllowed' : 'BadRequest', applicationCode: 'BadHttpMethod', message, payloadPath: `${at}/httpMethod` });
    }
    if (method === 'POST') return { ...base, method, payload: readPayload(payloadElementOf(entry), ctx.kind, ctx.app) };
    // A PUT needs its payload; a DELETE or GET may carry one that names the resource.
    const payloadEl = method === 'PUT' ? payloadElementOf(entry) : child(entry, NS.sdata, 'payload')?.children[0];
    const key = targetKey(id, payloadEl, ctx, at);
    if (method === 'GET') return { ...base, method, key };
    if (method === 'DELETE') return { ...base, method, key, ifMatch: ifMatchOf(entry) };
    const payload = readPayload(payloadEl!, ctx.kind, ctx.app);
    if (payload.key !== undefined && payload.key !== key) {
      throw badRequest(`sdata:key '${payload.key}' is not the key the entry names ('${key}')`, 'KeyMismatch', `${at}/payload/@sdata:key`);
    }
    return { ...base, method: 'PUT', key, ifMatch: ifMatchOf(entry), payload };
  } catch (err) {
    if (err instanceof SDataError) return { ...base, method, refused: err };
    throw err;
  }
}

/** Reads a `$batch` request feed; throws 400 when the root is not an Atom feed. */
export function parseBatchRequest(root: XmlElement, ctx: ResourceXmlContext): BatchRequest[] {
  if (root.name !== 'feed' || (root.ns !== NS.atom && root.ns !== '')) throw badRequest(`$batch expects an Atom <feed>, not <${root.name}>`, 'NotAFeed');
  return root.children.filter(isEntryElement).map((e, i) => readEntry(e, i + 1, ctx));
}

/** What happened to one entry of a batch. */
export interface BatchResult {
  method: string;
  /** HTTP status of the operation (201 created, 200, 404, 412, ...). */
  status: number;
  /** The resource after the operation (for a DELETE, its tombstone). */
  resource?: EntryResource;
  /** Why it failed; an SDataError fits. */
  error?: { diagnoses: Diagnosis[] };
  /** The request entry's id, echoed when there is no resource to name. */
  id?: string;
}

function resultEntryNode(r: BatchResult, ctx: ResourceXmlContext, updated: string, position: number): XNode {
  const http = [
    el('http:httpMethod', undefined, r.method),
    el('http:httpStatus', undefined, r.status),
    el('http:httpMessage', undefined, STATUS_CODES[r.status] ?? ''),
  ];
  const diagnoses = (r.error?.diagnoses ?? []).map(diagnosisNode);
  if (!r.resource || r.resource.deleted) {
    // An entry MUST have an id: the resource's URL, the request entry's id, or its place in the batch.
    const id = (r.resource ? keyUrl(ctx.url, r.resource.key) : r.id) ?? `${ctx.url}/$batch#${position}`;
    const title = `${r.method} ${r.status}`;
    return el('entry', undefined, el('id', undefined, id), el('title', undefined, title), el('updated', undefined, updated), outcomeContentNode(title, r.error?.diagnoses ?? []), ...http, ...diagnoses);
  }
  return resourceEntryNode(r.resource, ctx, [...http, el('http:location', undefined, keyUrl(ctx.url, r.resource.key)), ...diagnoses]);
}

/** The `$batch` answer feed: one entry per result, in request order. */
export function batchResponseDocument(results: BatchResult[], ctx: ResourceXmlContext, updated = new Date().toISOString()): string {
  const url = `${ctx.url}/$batch`;
  return renderFeedXml(
    feedNode({
      id: url,
      title: `Batch answer of ${ctx.url}`,
      updated,
      links: [
        { rel: 'self', type: FEED_TYPE, href: url },
        { rel: 'first', type: FEED_TYPE, href: url },
      ],
      entries: results.map((r, i) => resultEntryNode(r, ctx, updated, i + 1)),
    }),
  );
}
