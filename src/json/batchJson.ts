/**
 * `$batch` in SData JSON (core 3.15: the batch fields of an entry are `$httpMethod`, `$httpStatus`,
 * `$httpMessage`, `$ifMatch`, `$location`, `$etag`).
 *
 * Request: `{ "$resources": [ entry, … ] }`; each entry has `$httpMethod` (POST, PUT, DELETE, GET),
 * optionally `$ifMatch`, and for POST and PUT the resource's properties as in a JSON entry. PUT, DELETE
 * and GET name their resource by `$url` (`{ep}('KEY')`), else by `$key`.
 *
 *   { "$resources": [ { "$httpMethod": "POST", "name": "ACME" },
 *                     { "$httpMethod": "DELETE", "$url": "{ep}('12')", "$ifMatch": "…" } ] }
 *
 * Each entry is turned into the Atom entry the XML reader would have built and read by the same
 * parseBatchRequest (atom/batchXml.ts), so both bodies obey the same rules; a refused entry's diagnoses
 * name the JSON body's things (`$resources/2/$httpMethod`, `$resources/1/number`: jsonDiagnoses.ts).
 *
 * Answer: `{ "$url", "$descriptor", "$updated", "$resources": [ result, … ] }`, one result per entry, in
 * order: `$httpMethod`, `$httpStatus`, `$httpMessage`, then the resource as a JSON entry (with `$location`)
 * when there is a live one, its `$url` and `$key` for a DELETE, and `$diagnoses` for an entry that failed.
 */
import { STATUS_CODES } from 'node:http';
import { parseBatchRequest, type BatchRequest, type BatchResult } from '../atom/batchXml';
import { NS } from '../atom/namespaces';
import { keyUrl, type ResourceXmlContext } from '../atom/resourceXml';
import type { XmlElement } from '../atom/xml';
import { badRequest, type Diagnosis } from '../protocol/diagnosis';
import { diagnosesJson } from './diagnosisJson';
import { jsonDiagnoses } from './jsonDiagnoses';
import { isObject, payloadElementOfJson, resourceJson, textOf, type JsonObject } from './resourceJson';

function element(ns: string, name: string, children: XmlElement[] = [], text = ''): XmlElement {
  return { ns, name, prefix: '', attrs: [], children, text };
}

/** The Atom entry of one JSON batch entry (a JSON scalar as the element's text, so that the reader refuses it). */
function entryElementOfJson(entry: unknown, ctx: ResourceXmlContext): XmlElement {
  if (!isObject(entry)) return element(NS.atom, 'entry');
  const children: XmlElement[] = [];
  if (entry.$url !== undefined) children.push(element(NS.atom, 'id', [], textOf(entry.$url)));
  if (entry.$httpMethod !== undefined) children.push(element(NS.http, 'httpMethod', [], textOf(entry.$httpMethod)));
  if (entry.$ifMatch !== undefined) children.push(element(NS.http, 'ifMatch', [], textOf(entry.$ifMatch)));
  children.push(element(NS.sdata, 'payload', [payloadElementOfJson(entry, ctx.kind, ctx.app)]));
  return element(NS.atom, 'entry', children);
}

/** The parts of an Atom batch entry's path, as the JSON entry names them. */
const ENTRY_PARTS: Record<string, string> = { httpMethod: '$httpMethod', id: '$url', 'payload/@sdata:url': '$url', 'payload/@sdata:key': '$key', payload: '' };

/**
 * A failed entry's diagnoses in JSON terms: `entry[2]/httpMethod` -> `$resources/2/$httpMethod`, payload
 * paths (`order/number`, `sdata:key`) below `$resources/2/`.
 */
function diagnosesInJson(diagnoses: readonly Diagnosis[], position: number, ctx: ResourceXmlContext): Diagnosis[] {
  const entryPath = (d: Diagnosis): Diagnosis => {
    const m = /^entry(?:\[\d+\])?\/(.*)$/.exec(d.payloadPath ?? '');
    return m ? { ...d, payloadPath: ENTRY_PARTS[m[1]] ?? m[1] } : d;
  };
  return jsonDiagnoses(diagnoses.map(entryPath), ctx.kind.element, { at: `$resources/${position}/` });
}

/** Reads a JSON `$batch` body (already parsed, see jsonBody.ts); 400 when it holds no `$resources` list. */
export function parseBatchJson(body: unknown, ctx: ResourceXmlContext): BatchRequest[] {
  if (!isObject(body) || !Array.isArray(body.$resources)) throw badRequest('$batch needs a JSON object whose $resources lists the entries', 'NotAFeed', isObject(body) ? '$resources' : undefined);
  const feed = element(NS.atom, 'feed', body.$resources.map((e) => entryElementOfJson(e, ctx)));
  return parseBatchRequest(feed, ctx);
}

function resultJson(r: BatchResult, ctx: ResourceXmlContext, position: number): JsonObject {
  const http = { $httpMethod: r.method, $httpStatus: r.status, $httpMessage: STATUS_CODES[r.status] ?? '' };
  const diagnoses = r.error ? diagnosesJson(diagnosesInJson(r.error.diagnoses, position, ctx)) : {};
  if (r.resource && !r.resource.deleted) return { ...http, $location: keyUrl(ctx.url, r.resource.key), ...resourceJson(r.resource, ctx), ...diagnoses };
  const named = r.resource ? { $url: keyUrl(ctx.url, r.resource.key), $key: r.resource.key } : r.id !== undefined ? { $url: r.id } : {};
  return { ...http, ...named, ...diagnoses };
}

/** The `$batch` answer in JSON: one result per entry, in request order. */
export function batchResponseJson(results: BatchResult[], ctx: ResourceXmlContext, updated = new Date().toISOString()): JsonObject {
  return { $url: `${ctx.url}/$batch`, $descriptor: `Batch answer of ${ctx.url}`, $updated: updated, $resources: results.map((r, i) => resultJson(r, ctx, i + 1)) };
}
