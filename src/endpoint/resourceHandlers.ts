/**
 * Resources over HTTP (PROTOCOL.md 3.1 and 8):
 *
 *   GET    {ep}?startIndex&count&includeUuid   paged Atom feed of live resources, in creation order
 *   GET    {ep}('K')                            one entry; ETag header and <http:etag>
 *   POST   {ep}                                 create from an entry's sdata:payload: 201, Location, full entry
 *   PUT    {ep}('K')                            full update, If-Match checked (412): 200, full entry
 *   DELETE {ep}('K')                            delete, leaving a tombstone; If-Match checked: 200
 *
 * Each change runs in one transaction after the body was read and checked, so a failing request changes
 * nothing. Every local change takes a tick (store/resources.ts) and records the authenticated user, if any,
 * in its sync state (sync:user).
 */
import type { Request, Response } from 'express';
import { keyUrl, parseResourceEntry, resourceEntryDocument, resourceFeedDocument } from '../atom/resourceXml';
import { parseXml } from '../atom/xml';
import { badRequest, SDataError } from '../protocol/diagnosis';
import { countResources, createResources, deleteResource, findLiveResource, pageResources, updateResource, type IfMatch, type Resource } from '../store/resources';
import { requestUser } from '../security/accessControl';
import { ENTRY_TYPE, FEED_TYPE, bodyText, sendXml } from './http';
import { booleanParam, checkQuery, PAGING_PARAMS, pagingOf } from './query';
import { newResourceOf } from './newResource';
import type { ServiceContext } from './services';

/** The endpoint a resource request is for. */
export type ResourceTarget = Pick<ServiceContext, 'runtime' | 'endpoint'>;

const local = (t: ResourceTarget) => ({ id: t.endpoint.id, url: t.endpoint.url, keys: t.endpoint.def.keys });

/** `If-Match` as a list of entity tags; undefined when absent. */
export function ifMatchOf(req: Request): IfMatch {
  const h = req.get('if-match');
  if (h === undefined || h.trim() === '') return undefined;
  return h.split(',').map((t) => t.trim()).filter(Boolean);
}

/** Writes an entry answer with its ETag header. */
function sendEntry(res: Response, status: number, t: ResourceTarget, r: Resource, includeUuid = true): void {
  res.setHeader('ETag', `"${r.etag}"`);
  sendXml(res, status, ENTRY_TYPE, resourceEntryDocument(r, { ...t.endpoint.def, includeUuid }));
}

/** The resource a POST or PUT body gives: an Atom entry holding one payload. */
function readEntryBody(req: Request, t: ResourceTarget) {
  const body = bodyText(req);
  if (!body.trim()) throw badRequest('the request needs an Atom entry holding an sdata:payload', 'MissingBody');
  return newResourceOf(parseResourceEntry(parseXml(body), t.endpoint.def.kind, t.endpoint.def.app), t.endpoint.def.kind.element);
}

export async function getFeed(req: Request, res: Response, t: ResourceTarget): Promise<void> {
  checkQuery(req, [...PAGING_PARAMS, 'includeUuid']);
  const { cfg, db } = t.runtime;
  const { startIndex, count } = pagingOf(req, cfg.server.defaultPageSize, cfg.server.maxPageSize);
  const includeUuid = booleanParam(req, 'includeUuid', true);
  const [total, resources] = await Promise.all([countResources(db, t.endpoint.id), pageResources(db, t.endpoint.id, startIndex - 1, count)]);
  const query: Record<string, string> = includeUuid ? {} : { includeUuid: 'false' };
  const xml = resourceFeedDocument({ resources, startIndex, count, total, query }, { ...t.endpoint.def, includeUuid });
  sendXml(res, 200, FEED_TYPE, xml);
}

export async function getResourceHandler(req: Request, res: Response, t: ResourceTarget, key: string): Promise<void> {
  checkQuery(req, ['includeUuid']);
  const includeUuid = booleanParam(req, 'includeUuid', true);
  sendEntry(res, 200, t, await findLiveResource(t.runtime.db, t.endpoint.id, key), includeUuid);
}

export async function createResourceHandler(req: Request, res: Response, t: ResourceTarget): Promise<void> {
  checkQuery(req, []);
  const given = readEntryBody(req, t);
  const [created] = await t.runtime.db.transaction((trx) => createResources(trx, local(t), [given], requestUser(res)));
  res.setHeader('Location', keyUrl(t.endpoint.url, created.key));
  sendEntry(res, 201, t, created);
}

export async function putResourceHandler(req: Request, res: Response, t: ResourceTarget, key: string): Promise<void> {
  checkQuery(req, []);
  const given = readEntryBody(req, t);
  if (given.key !== undefined && given.key !== key) {
    throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'KeyMismatch', message: `the payload's sdata:key '${given.key}' is not the key of the URL ('${key}')`, payloadPath: 'sdata:key' });
  }
  const updated = await t.runtime.db.transaction((trx) => updateResource(trx, local(t), key, given.values, ifMatchOf(req), { uuid: given.uuid, user: requestUser(res) }));
  sendEntry(res, 200, t, updated);
}

export async function deleteResourceHandler(req: Request, res: Response, t: ResourceTarget, key: string): Promise<void> {
  checkQuery(req, []);
  await t.runtime.db.transaction((trx) => deleteResource(trx, local(t), key, ifMatchOf(req), requestUser(res)));
  res.status(200).end();
}
