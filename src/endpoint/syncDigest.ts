/**
 * `{ep}/$syncDigest` (PROTOCOL.md 3.2): GET answers an Atom entry whose `sdata:payload` holds the endpoint's
 * `sync:digest`; PUT (administration) replaces the entries for other endpoints and the priorities, never
 * lowers the endpoint's own tick, and answers the digest as it now is. Both take and answer SData JSON
 * too (json/digestJson.ts): a JSON body by its Content-Type, a JSON answer when asked (format.ts). Anything invalid is a 400 that
 * changes nothing (the body is read whole before the one transaction).
 */
import type { Request, Response } from 'express';
import { digestEntryDocument, parseDigestDocument } from '../atom/digestXml';
import { parseXml } from '../atom/xml';
import { badRequest } from '../protocol/diagnosis';
import { putDigest, readDigest } from '../store/digests';
import { ENTRY_TYPE, sendXml, bodyText } from './httpBodies';
import { checkQuery } from './query';
import { answerFormat, isJsonBody, sendJson, type AnswerFormat } from './format';
import { digestJson, parseDigestJson } from '../json/digestJson';
import { parseJsonBody } from '../json/jsonBody';
import { asJsonError } from '../json/jsonDiagnoses';
import type { ServiceContext } from './serviceContext';

async function sendDigest(res: Response, ctx: ServiceContext, format: AnswerFormat = 'atom'): Promise<void> {
  const digest = await readDigest(ctx.endpoint.db, ctx.endpoint.id, ctx.endpoint.url);
  const updated = new Date().toISOString();
  if (format === 'json') sendJson(res, 200, digestJson(digest, ctx.endpoint.url, updated));
  else sendXml(res, 200, ENTRY_TYPE, digestEntryDocument(digest, ctx.endpoint.url, updated));
}

/** GET answers Atom, or SData JSON when asked (format.ts). */
export async function getSyncDigest(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  checkQuery(req, ['format']);
  await sendDigest(res, ctx, answerFormat(req));
}

/** The digest a PUT body gives: an Atom entry (or a bare sync:digest), or its JSON form (json/digestJson.ts). */
function readDigestBody(req: Request, ctx: ServiceContext) {
  const body = bodyText(req);
  const { maxDigestEntries } = ctx.runtime.cfg.xml;
  if (isJsonBody(req)) {
    if (!body.trim()) throw badRequest('PUT $syncDigest needs a JSON object holding origin and digestEntry', 'MissingBody');
    return parseDigestJson(parseJsonBody(body), maxDigestEntries);
  }
  if (!body.trim()) throw badRequest('PUT $syncDigest needs an entry whose sdata:payload holds a sync:digest', 'MissingBody');
  return parseDigestDocument(parseXml(body, { limits: ctx.runtime.cfg.xml }), maxDigestEntries);
}

/** PUT takes an Atom or a JSON body (by its Content-Type) and answers in the format asked for. */
export async function putSyncDigest(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  checkQuery(req, ['format']);
  const digest = readDigestBody(req, ctx);
  try {
    await ctx.endpoint.db.transaction((trx) => putDigest(trx, ctx.endpoint.id, ctx.endpoint.url, digest));
  } catch (err) {
    throw isJsonBody(req) ? asJsonError(err, 'digest', { rows: 'array' }) : err;
  }
  await sendDigest(res, ctx, answerFormat(req));
}
