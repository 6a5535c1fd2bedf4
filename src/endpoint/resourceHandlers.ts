/**
 * Resources over HTTP (PROTOCOL.md 3.1 and 8):
 *
 *   GET    {ep}?startIndex&count&includeUuid   paged Atom feed of live resources, in creation order
 *          &where&orderBy&select&include&after  filtered, sorted (keyset `after` in next links), shaped (resourceQuery.ts)
 *   GET    {ep}('K')?select&include             one entry; ETag header and <http:etag>
 *   POST   {ep}                                 create from an entry's sdata:payload: 201, Location, full entry
 *   PUT    {ep}('K')                            full update, If-Match checked (412): 200, full entry
 *   DELETE {ep}('K')                            delete, leaving a tombstone; If-Match checked: 200
 *
 * Each change runs in one transaction after the body was read and checked, so a failing request changes
 * nothing. Every local change takes a tick (store/resources.ts) and records the authenticated user, if any,
 * in its sync state (sync:user).
 *
 * Answers are Atom, or SData JSON when the request asks for it (format.ts); POST and PUT bodies are an Atom
 * entry, or a JSON entry when their Content-Type is `application/json` (read into the same payload model
 * and checked by the same reader, json/resourceJson.ts).
 */
import type { Request, Response } from 'express';
import { pagingLinks, type KeysetNext } from '../atom/feed';
import { keyUrl, parseResourceEntry, resourceEntryDocument, resourceFeedDocument } from '../atom/resourceXml';
import { parseJsonBody } from '../json/jsonBody';
import { asJsonError } from '../json/jsonDiagnoses';
import { parseResourceJson, resourceFeedJson, resourceJson } from '../json/resourceJson';
import { answerFormat, isJsonBody, sendJson } from './format';
import { parseXml } from '../atom/xml';
import { badRequest, SDataError } from '../protocol/diagnosis';
import { createResources, deleteResource, findLiveResource, updateResource, type IfMatch } from '../store/resources';
import { queryResources, resourceColumns } from '../store/resourceQuery';
import { encodeCursor } from '../query/cursor';
import { RESOURCE_QUERY_PARAMS, resourceFeedQueryOf, resourceShapeOf } from './resourceQuery';
import { shapeResources, siblingEndpoint, type ShapedResource } from './resourceShape';
import { requestUser } from '../security/accessControl';
import { ENTRY_TYPE, FEED_TYPE, bodyText, sendXml } from './httpBodies';
import { booleanParam, checkQuery, PAGING_PARAMS, pagingOf } from './query';
import { newResourceOf } from './newResource';
import type { ResourceTarget } from './serviceContext';
import { holdersOf, localEndpointOf } from './localEndpoint';

const local = (t: ResourceTarget) => localEndpointOf(t.endpoint);

/** `If-Match` as a list of entity tags; undefined when absent. */
function ifMatchOf(req: Request): IfMatch {
  const h = req.get('if-match');
  if (h === undefined || h.trim() === '') return undefined;
  return h.split(',').map((t) => t.trim()).filter(Boolean);
}

/** Writes an entry answer with its ETag header, in the format asked for. */
function sendEntry(req: Request, res: Response, status: number, t: ResourceTarget, r: ShapedResource, includeUuid = true): void {
  res.setHeader('ETag', `"${r.etag}"`);
  const ctx = { ...t.endpoint.def, includeUuid };
  if (answerFormat(req) === 'json') sendJson(res, status, resourceJson(r, ctx));
  else sendXml(res, status, ENTRY_TYPE, resourceEntryDocument(r, ctx));
}

/** The resource a POST or PUT body gives: an Atom entry holding one payload, or a JSON entry. */
function readEntryBody(req: Request, t: ResourceTarget) {
  const body = bodyText(req);
  const { kind, app } = t.endpoint.def;
  if (isJsonBody(req)) {
    if (!body.trim()) throw badRequest('the request needs a JSON object holding the resource', 'MissingBody');
    return newResourceOf(parseResourceJson(parseJsonBody(body), kind, app), kind.element);
  }
  if (!body.trim()) throw badRequest('the request needs an Atom entry holding an sdata:payload', 'MissingBody');
  return newResourceOf(parseResourceEntry(parseXml(body, { limits: t.runtime.cfg.xml }), kind, app), kind.element);
}

export async function getFeed(req: Request, res: Response, t: ResourceTarget): Promise<void> {
  checkQuery(req, [...PAGING_PARAMS, 'includeUuid', 'format', ...RESOURCE_QUERY_PARAMS]);
  const { cfg } = t.runtime;
  const { db } = t.endpoint;
  const { startIndex, count } = pagingOf(req, cfg.server.defaultPageSize, cfg.server.maxPageSize);
  const includeUuid = booleanParam(req, 'includeUuid', true);
  const q = resourceFeedQueryOf(req, t.endpoint.def);
  const columns = resourceColumns((kind) => holdersOf(siblingEndpoint(t, kind)));
  const found = await queryResources(db, holdersOf(t.endpoint), columns, q, { offset: startIndex - 1, limit: count });
  const resources = await shapeResources(t, found.resources, q);
  const format = answerFormat(req);
  const query: Record<string, string> = { ...q.given, ...(includeUuid ? {} : { includeUuid: 'false' }), ...(format === 'json' ? { format: 'json' } : {}) };
  // A sorted feed pages by keyset: its next link starts after the page's last resource.
  const keyset: KeysetNext | undefined = q.orderBy.length > 0 ? { exists: found.more, query: found.last ? { after: encodeCursor(found.last) } : {} } : undefined;
  const page = { resources, startIndex, count, total: found.total, query, keyset };
  const ctx = { ...t.endpoint.def, includeUuid };
  if (format === 'json') sendJson(res, 200, resourceFeedJson(page, ctx, pagingLinks(ctx.url, query, startIndex, count, found.total, keyset)));
  else sendXml(res, 200, FEED_TYPE, resourceFeedDocument(page, ctx));
}

export async function getResourceHandler(req: Request, res: Response, t: ResourceTarget, key: string): Promise<void> {
  checkQuery(req, ['includeUuid', 'format']);
  const includeUuid = booleanParam(req, 'includeUuid', true);
  const shape = resourceShapeOf(req, t.endpoint.def);
  const [found] = await shapeResources(t, [await findLiveResource(t.endpoint.db, holdersOf(t.endpoint), key)], shape);
  sendEntry(req, res, 200, t, found, includeUuid);
}

/** Runs a change; for a JSON body, its errors name JSON things (`$key` for `sdata:key`, json/jsonDiagnoses.ts). */
async function changing<T>(req: Request, t: ResourceTarget, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw isJsonBody(req) ? asJsonError(err, t.endpoint.def.kind.element) : err;
  }
}

export async function createResourceHandler(req: Request, res: Response, t: ResourceTarget): Promise<void> {
  checkQuery(req, ['format']);
  const given = readEntryBody(req, t);
  const [created] = await changing(req, t, () => t.endpoint.db.transaction((trx) => createResources(trx, local(t), [given], requestUser(res))));
  res.setHeader('Location', keyUrl(t.endpoint.url, created.key));
  sendEntry(req, res, 201, t, created);
}

export async function putResourceHandler(req: Request, res: Response, t: ResourceTarget, key: string): Promise<void> {
  checkQuery(req, ['format']);
  const given = readEntryBody(req, t);
  const updated = await changing(req, t, async () => {
    if (given.key !== undefined && given.key !== key) {
      throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'KeyMismatch', message: `the payload's sdata:key '${given.key}' is not the key of the URL ('${key}')`, payloadPath: 'sdata:key' });
    }
    return t.endpoint.db.transaction((trx) => updateResource(trx, local(t), key, given.values, ifMatchOf(req), { uuid: given.uuid, user: requestUser(res) }));
  });
  sendEntry(req, res, 200, t, updated);
}

export async function deleteResourceHandler(req: Request, res: Response, t: ResourceTarget, key: string): Promise<void> {
  // `format` is accepted (a JSON client sends format=json on every request); the answer has no body.
  checkQuery(req, ['format']);
  await t.endpoint.db.transaction((trx) => deleteResource(trx, local(t), key, ifMatchOf(req), requestUser(res)));
  res.status(200).end();
}
