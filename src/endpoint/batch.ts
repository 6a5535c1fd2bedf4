/**
 * `POST {ep}/$batch` (PROTOCOL.md 3.1): the request feed is read whole first (atom/batchXml; a body that
 * is not a feed is a 400 that changes nothing), then every entry runs in one transaction (batchRun.ts) and
 * the answer feed gives each entry its status, location, ETag, payload or diagnosis. A JSON body (by its
 * Content-Type) is `{ "$resources": [...] }` (json/batchJson.ts); the answer is Atom, or JSON when asked
 * (format.ts).
 */
import type { Request, Response } from 'express';
import { batchResponseDocument, parseBatchRequest, type BatchRequest } from '../atom/batchXml';
import { parseXml } from '../atom/xml';
import { batchResponseJson, parseBatchJson } from '../json/batchJson';
import { parseJsonBody } from '../json/jsonBody';
import { badRequest } from '../protocol/diagnosis';
import { requestUser } from '../security/accessControl';
import { runBatch } from './batchRun';
import { answerFormat, isJsonBody, sendJson } from './format';
import { bodyText, FEED_TYPE, sendXml } from './httpBodies';
import { checkQuery } from './query';
import type { ServiceContext } from './serviceContext';
import { localEndpointOf } from './localEndpoint';

function readBatchBody(req: Request, ctx: ServiceContext): BatchRequest[] {
  const body = bodyText(req);
  const def = ctx.endpoint.def;
  if (isJsonBody(req)) {
    if (!body.trim()) throw badRequest('$batch needs a JSON object whose $resources lists the entries', 'MissingBody');
    return parseBatchJson(parseJsonBody(body), def);
  }
  if (!body.trim()) throw badRequest('$batch needs an Atom feed of entries', 'MissingBody');
  return parseBatchRequest(parseXml(body, { limits: ctx.runtime.cfg.xml }), def);
}

export async function postBatch(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  checkQuery(req, ['format']);
  const def = ctx.endpoint.def;
  const requests = readBatchBody(req, ctx);
  const ep = localEndpointOf(ctx.endpoint);
  const results = await ctx.endpoint.db.transaction((trx) => runBatch(trx, ep, requests, { element: def.kind.element, user: requestUser(res) }));
  if (answerFormat(req) === 'json') sendJson(res, 200, batchResponseJson(results, def));
  else sendXml(res, 200, FEED_TYPE, batchResponseDocument(results, def));
}
