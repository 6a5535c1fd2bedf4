/**
 * `{ep}/$linked` (SData 1.3 linking, PROTOCOL.md 2.8): the links between local keys and UUIDs.
 *
 *   GET    {ep}/$linked[?startIndex&count&format]   the linked resources, a paged feed (Atom, or SData JSON)
 *   GET    {ep}/$linked('UUID')                     one link: the resource holding the UUID
 *   POST   {ep}/$linked                             link a resource by hand: an entry whose payload element
 *                                                   names it (`sdata:url` or `sdata:key`) and may give `sdata:uuid`
 *   DELETE {ep}/$linked('UUID')                     remove the link (the resource and its UUID stay)
 *
 * A link entry is the resource's entry with the link's own id (`{ep}/$linked('UUID')`); the payload carries
 * `sdata:key`, `sdata:uuid` and `sdata:url` (the resource's URL), as SData's linking protocol shows it.
 */
import { serviceUrlOf } from '../protocol/endpointUrl';
import type { Request, Response } from 'express';
import { asDocumentRoot, feedNode, FEED_TYPE, pagingLinks, textContentNode } from '../atom/feed';
import { NS } from '../atom/namespaces';
import { ENTRY_TYPE, isEntryElement, keyOfUrl, keyUrl, payloadElementOf } from '../atom/resourceXml';
import { el, renderXml, type XNode } from '../atom/write';
import { attr, parseXml } from '../atom/xml';
import { payloadNode } from '../atom/payloadWrite';
import { parseJsonBody } from '../json/jsonBody';
import { isObject, resourceJson } from '../json/resourceJson';
import { feedJson } from '../json/feedJson';
import { badRequest, SDataError } from '../protocol/diagnosis';
import { isUuid } from '../protocol/values';
import { namesResource } from '../protocol/pageIdentity';
import { findLinked, linkResource, listLinked, unlinkResource } from '../store/links';
import type { Resource } from '../store/resources';
import { requestUser } from '../security/accessControl';
import { answerFormat, isJsonBody, sendJson } from './format';
import { bodyText, sendXml } from './httpBodies';
import { checkQuery, PAGING_PARAMS, pagingOf } from './query';
import type { ServiceContext } from './serviceContext';

const localEndpoint = (ctx: ServiceContext) => ({ id: ctx.endpoint.id, url: ctx.endpoint.url, keys: ctx.endpoint.def.keys, table: ctx.endpoint.table });

const linkUrl = (ctx: ServiceContext, uuid: string): string => serviceUrlOf(ctx.endpoint.url, `$linked('${uuid}')`);

function linkEntryNode(r: Resource, ctx: ServiceContext): XNode {
  const { kind, app } = ctx.endpoint.def;
  const id = linkUrl(ctx, r.uuid);
  const url = keyUrl(ctx.endpoint.url, r.key);
  return el(
    'entry',
    undefined,
    el('id', undefined, id),
    el('title', undefined, `Linked ${kind.element} ${r.uuid}`),
    el('updated', undefined, r.state.stamp),
    el('link', { rel: 'self', type: ENTRY_TYPE, href: id }),
    el('link', { rel: 'related', type: ENTRY_TYPE, href: url }),
    el('http:etag', undefined, r.etag),
    textContentNode(`${kind.element} ${r.key} is linked with UUID ${r.uuid}`),
    el('sdata:payload', undefined, payloadNode({ key: r.key, uuid: r.uuid, url, values: r.values, deleted: false }, kind, app)),
  );
}

function linkJson(r: Resource, ctx: ServiceContext): Record<string, unknown> {
  return { $link: linkUrl(ctx, r.uuid), ...resourceJson(r, ctx.endpoint.def) };
}

function sendLink(req: Request, res: Response, ctx: ServiceContext, status: number, r: Resource): void {
  if (status === 201) res.setHeader('Location', linkUrl(ctx, r.uuid));
  if (answerFormat(req) === 'json') sendJson(res, status, linkJson(r, ctx));
  else sendXml(res, status, ENTRY_TYPE, renderXml(asDocumentRoot(linkEntryNode(r, ctx))));
}

/** The UUID of `$linked('UUID')`, lower case; 400 when it is not one. */
function uuidArg(ctx: ServiceContext): string {
  const arg = ctx.path.serviceArg ?? '';
  if (!isUuid(arg)) throw badRequest(`$linked('${arg.slice(0, 64)}') does not name a UUID`, 'InvalidUuid');
  return arg.toLowerCase();
}

/** `$linked` has no actions: `$linked('UUID')/$anything` is 404. */
function refuseAction(ctx: ServiceContext): void {
  if (ctx.path.action !== undefined) throw new SDataError(404, { sdataCode: 'BadUrlSyntax', applicationCode: 'ServiceNotFound', message: `no action ${ctx.path.action.slice(0, 64)} on $linked` });
}

async function getLinked(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  refuseAction(ctx);
  if (ctx.path.serviceArg !== undefined) {
    checkQuery(req, ['format']);
    return sendLink(req, res, ctx, 200, await findLinked(ctx.endpoint.db, ctx.endpoint.id, uuidArg(ctx)));
  }
  checkQuery(req, [...PAGING_PARAMS, 'format']);
  const { cfg } = ctx.runtime;
  const { startIndex, count } = pagingOf(req, cfg.server.defaultPageSize, cfg.server.maxPageSize);
  const { total, items } = await listLinked(ctx.endpoint.db, ctx.endpoint.id, { offset: startIndex - 1, limit: count });
  const base = serviceUrlOf(ctx.endpoint.url, '$linked');
  const json = answerFormat(req) === 'json';
  const links = pagingLinks(base, json ? { format: 'json' } : {}, startIndex, count, total);
  const title = `Linked ${ctx.endpoint.def.kind.name} of ${ctx.endpoint.def.app.name}`;
  const updated = new Date().toISOString();
  if (json) {
    sendJson(res, 200, feedJson({ url: base, descriptor: title, updated, total, startIndex, count, links }, items.map((r) => linkJson(r, ctx))));
    return;
  }
  sendXml(res, 200, FEED_TYPE, renderXml(feedNode({ id: base, title, updated, links, totalResults: total, startIndex, itemsPerPage: count, entries: items.map((r) => linkEntryNode(r, ctx)) })));
}

/** What a POST names: the resource (by `sdata:url` or `sdata:key`) and, optionally, the UUID it takes. */
interface LinkRequest {
  url?: string;
  key?: string;
  uuid?: string;
}

const MAX_TEXT = 2048;

function linkRequestOf(req: Request, ctx: ServiceContext): LinkRequest {
  const body = bodyText(req);
  if (!body.trim()) throw badRequest('the request needs an entry whose payload element names the resource (sdata:url or sdata:key) and may give sdata:uuid', 'MissingBody');
  if (isJsonBody(req)) {
    const json = parseJsonBody(body);
    if (!isObject(json)) throw badRequest('expected a JSON object naming the resource ($url or $key), and maybe the UUID it takes ($uuid)', 'InvalidValue');
    const text = (name: string): string | undefined => {
      const v = json[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw badRequest(`${name} must be a string`, 'InvalidValue', name);
      return v;
    };
    return { url: text('$url'), key: text('$key'), uuid: text('$uuid') };
  }
  const root = parseXml(body, { limits: ctx.runtime.cfg.xml });
  if (!isEntryElement(root)) throw badRequest(`expected an Atom <entry>, not <${root.name}>`, 'NotAnEntry');
  const p = payloadElementOf(root);
  return { url: attr(p, NS.sdata, 'url'), key: attr(p, NS.sdata, 'key'), uuid: attr(p, NS.sdata, 'uuid') };
}

/** The local key a link request names; 400 when it names none, or a resource of another endpoint. */
function keyOf(r: LinkRequest, ctx: ServiceContext): string {
  for (const [name, v] of Object.entries(r)) {
    if (typeof v === 'string' && v.length > MAX_TEXT) throw badRequest(`${name} is longer than ${MAX_TEXT} characters`, 'InvalidValue', `sdata:${name}`);
  }
  if (r.url !== undefined) {
    const parts = keyOfUrl(r.url);
    if (!parts || parts.collection !== ctx.endpoint.url) throw badRequest(`sdata:url must name a resource of ${ctx.endpoint.url} as ${ctx.endpoint.url}('KEY'), not ${r.url}`, 'InvalidUrl', 'sdata:url');
    if (r.key !== undefined && r.key !== parts.key) throw badRequest(`sdata:key '${r.key}' is not the key of sdata:url ('${parts.key}')`, 'KeyMismatch', 'sdata:key');
    return parts.key;
  }
  if (r.key === undefined || r.key === '') throw badRequest('the payload element must name the resource to link: sdata:url (or sdata:key)', 'MissingUrl', 'sdata:url');
  return r.key;
}

async function postLinked(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  refuseAction(ctx);
  checkQuery(req, ['format']);
  if (ctx.path.serviceArg !== undefined) throw badRequest('POST to the $linked collection, not to one link', 'BadUrlSyntax');
  const given = linkRequestOf(req, ctx);
  const key = keyOf(given, ctx);
  let uuid: string | undefined;
  if (given.uuid !== undefined) {
    if (!isUuid(given.uuid.trim())) throw badRequest(`sdata:uuid '${given.uuid.slice(0, 64)}' is not a UUID`, 'InvalidUuid', 'sdata:uuid');
    uuid = given.uuid.trim().toLowerCase();
    if (!namesResource(uuid)) throw badRequest('the nil UUID names no resource', 'InvalidUuid', 'sdata:uuid');
  }
  const { resource, created } = await ctx.endpoint.db.transaction((trx) => linkResource(trx, localEndpoint(ctx), key, uuid, requestUser(res)));
  sendLink(req, res, ctx, created ? 201 : 200, resource);
}

async function deleteLinked(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  refuseAction(ctx);
  checkQuery(req, ['format']);
  if (ctx.path.serviceArg === undefined) throw badRequest("DELETE one link: $linked('UUID')", 'BadUrlSyntax');
  const uuid = uuidArg(ctx);
  await ctx.endpoint.db.transaction((trx) => unlinkResource(trx, localEndpoint(ctx), uuid));
  res.status(200).end();
}

export const linkedHandlers = { GET: getLinked, POST: postLinked, DELETE: deleteLinked };
