/**
 * What `$conflicts` and `$failures` have in common. An item is `{endpoint}/$service('ID')`; GET without an
 * ID lists the endpoint's items (a `status` filter, a `where` of its own unless the URL's names a partition,
 * paged: listFeed.ts), GET with one answers its
 * entry (404 when there is none); a POST to `$service('ID')/$action` acts on an item that is still open
 * (409 otherwise) and answers its entry. Each answer is Atom, or SData JSON when the request asks for it
 * (format.ts): the listing a JSON feed (listFeed.ts), an item its JSON object. Each service keeps only its
 * entry, its JSON object and its action.
 */
import { serviceUrl } from '../../protocol/serviceUrl';
import type { Request, Response } from 'express';
import { renderXml, type XNode } from '../../atom/write';
import { asDocumentRoot } from '../../atom/feed';
import { SDataError } from '../../protocol/diagnosis';
import { boundedIntegerOf } from '../../protocol/boundedValues';
import type { DbOrTx } from '../../store/db';
import type { ListedItem, ListedTable } from '../../store/listedTable';
import { tableSchema } from '../../store/querySql';
import type { ServiceContext } from '../serviceContext';
import { whereOf } from '../resourceQuery';
import { ENTRY_TYPE, sendXml } from '../httpBodies';
import { filterOf, sendListFeed } from './listFeed';
import { answerFormat, sendJson } from '../format';
import type { JsonObject } from '../../json/feedJson';
import { checkQuery, ownParam } from '../query';

export interface ListedService<T extends ListedItem<S>, S extends string> {
  service: '$conflicts' | '$failures';
  /** The one action a POST may name. */
  action: '$resolve' | '$retry';
  /** What an item is called in a diagnosis ("conflict"). */
  itemName: string;
  /** The title of the listing, before " at {endpoint URL}". */
  title: string;
  statuses: readonly S[];
  table: ListedTable<T, S>;
  /** The diagnosis of an action on an item that is no longer open: its code, and "was" or "is" already. */
  notOpen: { applicationCode: string; verb: 'was' | 'is' };
  entry(item: T, ctx: ServiceContext): XNode;
  /** The same item in SData JSON, with what its entry holds. */
  json(item: T, ctx: ServiceContext): JsonObject;
}

export function itemUrl(ctx: ServiceContext, service: string, id: number): string {
  return serviceUrl(ctx.endpoint.url, `${service}('${id}')`);
}

function notFound<T extends ListedItem<S>, S extends string>(svc: ListedService<T, S>, id: string): SDataError {
  return new SDataError(404, { sdataCode: 'ResourceNotFound', message: `no ${svc.itemName} '${id}' at this endpoint` });
}

/** The ID the URL names (404 when it cannot be one). */
export function itemIdOf<T extends ListedItem<S>, S extends string>(ctx: ServiceContext, svc: ListedService<T, S>): number {
  const arg = ctx.path.serviceArg ?? '';
  const id = boundedIntegerOf(arg, 1);
  if (id === undefined) throw notFound(svc, arg);
  return id;
}

/** The item with this ID at the endpoint (404 when there is none). */
export async function findItem<T extends ListedItem<S>, S extends string>(db: DbOrTx, ctx: ServiceContext, svc: ListedService<T, S>, id: number): Promise<T> {
  const item = await svc.table.find(db, ctx.endpoint.id, id);
  if (!item) throw notFound(svc, String(id));
  return item;
}

/** One item's answer: its entry, or its JSON object. */
export function sendItem<T extends ListedItem<S>, S extends string>(req: Request, res: Response, ctx: ServiceContext, svc: ListedService<T, S>, item: T): void {
  if (answerFormat(req) === 'json') sendJson(res, 200, svc.json(item, ctx));
  else sendXml(res, 200, ENTRY_TYPE, renderXml(asDocumentRoot(svc.entry(item, ctx))));
}

/** GET: the listing, or one item. */
export async function getListed<T extends ListedItem<S>, S extends string>(req: Request, res: Response, ctx: ServiceContext, svc: ListedService<T, S>): Promise<void> {
  const { db } = ctx.endpoint;
  if (ctx.path.serviceArg !== undefined) {
    checkQuery(req, ['format']);
    const item = await svc.table.find(db, ctx.endpoint.id, itemIdOf(ctx, svc));
    if (!item) throw notFound(svc, ctx.path.serviceArg);
    sendItem(req, res, ctx, svc, item);
    return;
  }
  const status = filterOf(req, 'status', svc.statuses);
  const where = whereOf(req, tableSchema(svc.service, svc.table.columns));
  await sendListFeed(req, res, ctx, {
    service: svc.service,
    title: `${svc.title} at ${ctx.endpoint.url}`,
    filter: { status, where: ownParam(req, 'where') },
    list: (page) => svc.table.list(db, ctx.endpoint.id, { status, where, ...page }),
    entry: (item) => svc.entry(item, ctx),
    json: (item) => svc.json(item, ctx),
  });
}

/** A POST must name the service's action (404 otherwise). */
export function requireAction<T extends ListedItem<S>, S extends string>(ctx: ServiceContext, svc: ListedService<T, S>): void {
  if (ctx.path.action !== svc.action) throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `POST ${svc.service}('ID')/${svc.action}` });
}

/** The item a POST acts on, still open (404 when there is none, 409 when it is no longer open). */
export async function openItem<T extends ListedItem<S>, S extends string>(db: DbOrTx, ctx: ServiceContext, svc: ListedService<T, S>, id: number): Promise<T> {
  const item = await findItem(db, ctx, svc, id);
  if (item.status !== 'open') {
    const { applicationCode, verb } = svc.notOpen;
    throw new SDataError(409, { sdataCode: 'Conflict', applicationCode, message: `${svc.itemName} ${id} ${verb} already ${item.status}` });
  }
  return item;
}
