/**
 * The listing feeds of the sync services ($conflicts, $failures, $syncResults): an optional filter given
 * as a query parameter, startIndex/count paging from the server's configuration, an Atom feed answer, or an
 * SData JSON feed (src/json/feedJson.ts) when the request asks for JSON (format.ts). Each service gives
 * an item's Atom entry and its JSON object; the feed around them is written here, once for all three.
 */
import { serviceUrlOf } from '../../protocol/endpointUrl';
import type { Request, Response } from 'express';
import { feedNode, pagingLinks } from '../../atom/feed';
import { renderXml, type XNode } from '../../atom/write';
import { SDataError } from '../../protocol/diagnosis';
import type { Paged } from '../../store/pagedList';
import type { ServiceContext } from '../serviceContext';
import { FEED_TYPE, sendXml } from '../httpBodies';
import { answerFormat, sendJson } from '../format';
import { feedJson, type JsonObject } from '../../json/feedJson';
import { checkQuery, PAGING_PARAMS, pagingOf } from '../query';

/** A query parameter restricted to a set of values (400 BadQueryParameter otherwise). */
export function filterOf<V extends string>(req: Request, name: string, allowed?: readonly V[]): V | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || (allowed && !allowed.includes(v as V))) {
    throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `${name} must be ${allowed ? `one of ${allowed.join(', ')}` : 'given once'}` });
  }
  return v as V;
}

export async function sendListFeed<T>(
  req: Request,
  res: Response,
  ctx: ServiceContext,
  feed: { service: string; title: string; filter: Record<string, string | undefined>; list: (page: { offset: number; limit: number }) => Promise<Paged<T>>; entry: (item: T) => XNode; json: (item: T) => JsonObject },
): Promise<void> {
  // Paging, the feed's own filters and the format: any other parameter (a misspelt one, format=csv) is a 400.
  checkQuery(req, [...PAGING_PARAMS, 'format', ...Object.keys(feed.filter)]);
  const { cfg } = ctx.runtime;
  const { startIndex, count } = pagingOf(req, cfg.server.defaultPageSize, cfg.server.maxPageSize);
  const { total, items } = await feed.list({ offset: startIndex - 1, limit: count });
  const base = serviceUrlOf(ctx.endpoint.url, feed.service);
  const json = answerFormat(req) === 'json';
  // The paging links keep the filters and the format: a JSON page links to JSON pages.
  const query = Object.fromEntries([...Object.entries(feed.filter), ['format', json ? 'json' : undefined]].filter(([, v]) => v !== undefined)) as Record<string, string>;
  const head = { url: base, descriptor: feed.title, updated: new Date().toISOString(), total, startIndex, count, links: pagingLinks(base, query, startIndex, count, total) };
  if (json) {
    sendJson(res, 200, feedJson(head, items.map(feed.json)));
    return;
  }
  const xml = renderXml(
    feedNode({
      id: head.url,
      title: head.descriptor,
      updated: head.updated,
      links: head.links,
      totalResults: total,
      startIndex,
      itemsPerPage: count,
      entries: items.map(feed.entry),
    }),
  );
  sendXml(res, 200, FEED_TYPE, xml);
}
