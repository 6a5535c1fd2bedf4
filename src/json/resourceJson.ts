/**
 * Resources in SData JSON (core 3.15, a draft page; the shape Sage's JavaScript client reads and writes):
 *
 *   entry  { "$url": "{ep}('12')", "$key": "12", "$uuid": "…", "$etag": "…", "$updated": "…",
 *            "$descriptor": "account 12", "$name": "account",
 *            "name": "ACME", "balance": "12.50", "active": true, "openedOn": "2026-01-02",
 *            "account": { "$uuid": "…" },                                     a reference: its UUID
 *            (with `include=account`: { "$uuid", "$key", "$url", "$name": "account", "name": "ACME", … })
 *            "lines": { "$resources": [ { "$uuid": "…", "$name": "line", "qty": 2 } ] } }   children
 *   feed   { "$url", "$descriptor", "$updated", "$totalResults", "$startIndex", "$itemsPerPage",
 *            "$first", "$previous", "$next", "$last", "$resources": [ entry, … ] }
 *
 * Values keep their stored JSON form (protocol/propertyValues.ts): strings, integers as numbers, booleans, dates and
 * date-times as ISO text, null; a decimal is written as a string in its canonical form ("12.50"), so no
 * digit or scale is lost to binary floating point. A JSON number is accepted for it on input.
 *
 * Reading goes through the XML reader's model: the JSON object is turned into the payload element the
 * XML reader would have built (`$key` -> sdata:key, `$uuid` -> sdata:uuid, null -> xsi:nil, a
 * `$resources` list -> child rows) and checked by the same readPayload, so JSON and XML bodies get the same
 * validation; the diagnoses name the JSON body's things (payloadPath `balance`, `lines/$resources/2/qty`:
 * jsonDiagnoses.ts). `$name`, when given, must be the kind's element. Other `$` properties (`$url`,
 * `$etag`, `$descriptor`, `$updated`, …, what a client read and sends back) are protocol data and ignored.
 */
import type { ApplicationConfig, KindConfig, PropertyConfig } from '../config/schema';
import type { AtomLink } from '../atom/feed';
import type { IncludedResource } from '../atom/payloadWrite';
import { NS } from '../atom/namespaces';
import { readPayload, type ReadPayload } from '../atom/payloadRead';
import type { ChildRow, Reference } from '../protocol/propertyValues';
import { keyUrl, resourceSummary, type EntryResource, type ResourcePage, type ResourceXmlContext } from '../atom/resourceXml';
import type { XmlAttr, XmlElement } from '../atom/xml';
import { badRequest } from '../protocol/diagnosis';
import { withJsonDiagnoses } from './jsonDiagnoses';
import { feedJson, type JsonObject } from './feedJson';

export type { JsonObject };

/** A referenced resource written inside its reference (`include=`): its protocol data, then its properties. */
function includedJson(inc: IncludedResource): JsonObject {
  const r = inc.resource;
  return { ...(r.uuid !== undefined ? { $uuid: r.uuid } : {}), $key: r.key, $url: r.url, $name: inc.kind.element, ...valuesJson(r.values, inc.kind) };
}

function valueJson(def: PropertyConfig, value: unknown, included?: IncludedResource): unknown {
  if (value === null) return null;
  if (def.type === 'reference') return included ? includedJson(included) : { $uuid: typeof value === 'string' ? value : (value as Reference).uuid };
  if (def.type === 'children') {
    return { $resources: (value as ChildRow[]).map((row) => ({ $uuid: row.uuid, $name: def.element, ...row.values })) };
  }
  return value;
}

/** The properties of stored values, in configuration order; a reference asked for (`include=`) holds its resource. */
export function valuesJson(values: Readonly<Record<string, unknown>>, kind: KindConfig, included?: EntryResource['included']): JsonObject {
  const out: JsonObject = {};
  for (const [name, def] of Object.entries(kind.properties)) {
    if (values[name] !== undefined) out[name] = valueJson(def, values[name], included?.[name]);
  }
  return out;
}

/** A stored version's payload (a `$conflicts` version): its protocol data, then its properties; a deletion `$isDeleted` and none. */
export function versionPayloadJson(v: { key: string; uuid: string; url: string; values: Readonly<Record<string, unknown>>; deleted: boolean }, kind: KindConfig): JsonObject {
  return { $key: v.key, $uuid: v.uuid, $url: v.url, $name: kind.element, ...(v.deleted ? { $isDeleted: true } : valuesJson(v.values, kind)) };
}

/** One resource as a JSON entry. */
export function resourceJson(r: EntryResource, ctx: ResourceXmlContext): JsonObject {
  const url = keyUrl(ctx.url, r.key);
  return {
    $url: url,
    $key: r.key,
    ...(ctx.includeUuid !== false && r.uuid !== undefined ? { $uuid: r.uuid } : {}),
    ...(r.etag !== undefined ? { $etag: r.etag } : {}),
    $updated: r.state.stamp,
    $descriptor: resourceSummary(r, ctx.kind),
    $name: ctx.kind.element,
    ...valuesJson(r.values, ctx.kind, r.included),
  };
}

/** A page of resources as a JSON feed (feedJson.ts); `links` are the Atom feed's paging links. */
export function resourceFeedJson(page: ResourcePage, ctx: ResourceXmlContext, links: AtomLink[]): JsonObject {
  const head = {
    url: ctx.url,
    descriptor: page.title ?? `${ctx.kind.name} of ${ctx.app.name}`,
    updated: page.updated ?? new Date().toISOString(),
    total: page.total,
    startIndex: page.startIndex,
    count: page.count,
    links,
  };
  return feedJson(head, page.resources.map((r) => resourceJson(r, ctx)));
}

// ---------------------------------------------------------------------------------------------------------
// Reading

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function element(name: string, ns: string, attrs: XmlAttr[] = [], children: XmlElement[] = [], text = ''): XmlElement {
  return { ns, name, prefix: '', attrs, children, text };
}

const sdataAttr = (name: string, value: unknown): XmlAttr[] => (typeof value === 'string' ? [{ ns: NS.sdata, name, value }] : []);
const NIL: XmlAttr[] = [{ ns: NS.xsi, name: 'nil', value: 'true' }];

/** A JSON scalar as element text; an object or array is left to the reader to refuse (as its JSON text). */
export const textOf = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The rows of a child list: `{ "$resources": [...] }` or a plain array. */
function rowsOf(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (isObject(v) && Array.isArray(v.$resources)) return v.$resources;
  return undefined;
}

function rowElement(row: unknown, name: string, ns: string): XmlElement {
  if (!isObject(row)) return element(name, ns, [], [], textOf(row));
  const attrs = [...sdataAttr('uuid', row.$uuid), ...(row.$isDeleted === true ? [{ ns: NS.sdata, name: 'isDeleted', value: 'true' }] : [])];
  return element(name, ns, attrs, propertyElements(row, ns, undefined));
}

function propertyElement(name: string, v: unknown, ns: string, def: PropertyConfig | undefined): XmlElement {
  if (v === null) return element(name, ns, NIL);
  const rows = rowsOf(v);
  if (rows) return element(name, ns, [], rows.map((row) => rowElement(row, def?.type === 'children' ? def.element : name, ns)));
  if (isObject(v)) {
    const children = propertyElements(v, ns, undefined);
    const uuid = sdataAttr('uuid', v.$uuid);
    // An object without a UUID or properties keeps its JSON text, so that the reader refuses it instead of reading null.
    return element(name, ns, uuid, children, uuid.length === 0 && children.length === 0 ? textOf(v) : '');
  }
  return element(name, ns, [], [], typeof v === 'boolean' || typeof v === 'number' ? String(v) : textOf(v));
}

function propertyElements(obj: JsonObject, ns: string, properties: Record<string, PropertyConfig> | undefined): XmlElement[] {
  return Object.keys(obj)
    .filter((k) => !k.startsWith('$'))
    .map((k) => propertyElement(k, obj[k], ns, properties?.[k]));
}

/** The payload element the XML reader would have built from this JSON entry. */
export function payloadElementOfJson(entry: JsonObject, kind: KindConfig, app: ApplicationConfig): XmlElement {
  const name = typeof entry.$name === 'string' ? entry.$name : kind.element;
  const attrs = [...sdataAttr('key', entry.$key), ...sdataAttr('uuid', entry.$uuid)];
  return element(name, app.namespace, attrs, propertyElements(entry, app.namespace, kind.properties));
}

/**
 * Reads a POST or PUT JSON body (already parsed, see jsonBody.ts) against its kind; 400 listing every
 * problem, named as the JSON body names things (jsonDiagnoses.ts).
 */
export function parseResourceJson(body: unknown, kind: KindConfig, app: ApplicationConfig): ReadPayload {
  if (!isObject(body)) throw badRequest('the request needs a JSON object holding the resource', 'NotAnEntry');
  return withJsonDiagnoses(() => readPayload(payloadElementOfJson(body, kind, app), kind, app), kind.element);
}
