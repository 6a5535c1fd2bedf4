/**
 * `POST {ep}/$batch` (PROTOCOL.md 3.1): the request feed is read whole first (atom/batchXml; a body that
 * is not a feed is a 400 that changes nothing), then every entry runs in one transaction (batchRun.ts) and
 * the answer feed gives each entry its status, location, ETag, payload or diagnosis.
 */
import type { Request, Response } from 'express';
import { batchResponseDocument, parseBatchRequest } from '../atom/batchXml';
import { parseXml } from '../atom/xml';
import { badRequest } from '../protocol/diagnosis';
import { requestUser } from '../security/accessControl';
import { runBatch } from './batchRun';
import { bodyText, FEED_TYPE, sendXml } from './httpBodies';
import { checkQuery } from './query';
import type { ServiceContext } from './serviceContext';

export async function postBatch(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  checkQuery(req, []);
  const def = ctx.endpoint.def;
  const body = bodyText(req);
  if (!body.trim()) throw badRequest('$batch needs an Atom feed of entries', 'MissingBody');
  const requests = parseBatchRequest(parseXml(body, { limits: ctx.runtime.cfg.xml }), def);
  const ep = { id: ctx.endpoint.id, url: ctx.endpoint.url, keys: def.keys, properties: def.kind.properties, table: ctx.endpoint.table };
  const results = await ctx.endpoint.db.transaction((trx) => runBatch(trx, ep, requests, { element: def.kind.element, user: requestUser(res) }));
  sendXml(res, 200, FEED_TYPE, batchResponseDocument(results, def));
}
