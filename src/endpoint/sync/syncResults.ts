/**
 * `$syncResults`: result feeds posted back by an engine after a pass, stored for the source application to
 * inspect (POST), and listed newest first with their run and counts (GET), in Atom or SData JSON (the
 * result feed itself, as posted, in both). A result feed is posted in Atom: it is the engine's wire protocol.
 */
import { serviceUrlOf } from '../../protocol/endpointUrl';
import type { Request, Response } from 'express';
import { el, type XNode } from '../../atom/write';
import { parseResultFeed, readResultSummary, summaryNode } from '../../atom/resultFeed';
import { SDataError } from '../../protocol/diagnosis';
import { listSyncResults, storeSyncResult, type StoredSyncResult } from '../../store/syncResults';
import type { JsonObject } from '../../json/feedJson';
import type { ServiceContext } from '../serviceContext';
import { runOf } from './params';
import { filterOf, sendListFeed } from './listFeed';

export async function postSyncResults(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const body = typeof req.body === 'string' ? req.body : '';
  const parsed = parseResultFeed(body, ctx.runtime.cfg.xml);
  const run = runOf(req);
  await storeSyncResult(ctx.endpoint.db, ctx.endpoint.id, { runName: run.runName ?? parsed.runName, runStamp: run.runStamp ?? parsed.runStamp, body });
  res.status(200).end();
}

function resultTitle(r: StoredSyncResult): string {
  return `Results of run ${r.runName ?? ''} ${r.runStamp ?? ''}`.trim();
}

function resultEntry(r: StoredSyncResult, base: string): XNode {
  return el(
    'entry',
    {},
    el('id', {}, `${base}('${r.id}')`),
    el('title', {}, resultTitle(r)),
    el('updated', {}, r.receivedAt),
    el('x:runName', {}, r.runName),
    el('x:runStamp', {}, r.runStamp),
    summaryNode(readResultSummary(r.body)),
    el('content', { type: 'text' }, r.body),
  );
}

/** The stored result in SData JSON: its run, its counts (`summary`, as `x:summary`), the result feed as posted (`resultFeed`). */
function resultJson(r: StoredSyncResult, base: string): JsonObject {
  return {
    $url: `${base}('${r.id}')`,
    $key: String(r.id),
    $descriptor: resultTitle(r),
    $updated: r.receivedAt,
    ...(r.runName !== undefined ? { runName: r.runName } : {}),
    ...(r.runStamp !== undefined ? { runStamp: r.runStamp } : {}),
    summary: { ...readResultSummary(r.body) },
    resultFeed: r.body,
  };
}

export async function getSyncResults(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  if (ctx.path.serviceArg !== undefined) throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: 'GET $syncResults lists the stored results' });
  const { db } = ctx.endpoint;
  const runName = filterOf(req, 'runName');
  const base = serviceUrlOf(ctx.endpoint.url, '$syncResults');
  await sendListFeed(req, res, ctx, {
    service: '$syncResults',
    title: `Sync results posted to ${ctx.endpoint.url}`,
    filter: { runName },
    list: (page) => listSyncResults(db, ctx.endpoint.id, { runName, ...page }),
    entry: (r) => resultEntry(r, base),
    json: (r) => resultJson(r, base),
  });
}
