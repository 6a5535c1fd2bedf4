/**
 * `$syncResults`: result feeds posted back by an engine after a pass, stored for the source application to
 * inspect (POST), and listed newest first with their run and counts (GET).
 */
import type { Request, Response } from 'express';
import { el, renderXml } from '../../atom/write';
import { feedNode, pagingLinks } from '../../atom/feed';
import { parseResultFeed, summariseResults } from '../../atom/resultFeed';
import { SDataError } from '../../protocol/diagnosis';
import { listSyncResults, storeSyncResult } from '../../store/syncResults';
import type { ServiceContext } from '../services';
import { positiveIntOf, runOf } from './params';
import { sendXml } from './respond';

export async function postSyncResults(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const body = typeof req.body === 'string' ? req.body : '';
  const parsed = parseResultFeed(body);
  const run = runOf(req);
  await storeSyncResult(ctx.runtime.db, ctx.endpoint.id, { runName: run.runName ?? parsed.runName, runStamp: run.runStamp ?? parsed.runStamp, body });
  res.status(200).end();
}

export async function getSyncResults(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  if (ctx.path.serviceArg !== undefined) throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: 'GET $syncResults lists the stored results' });
  const { db, cfg } = ctx.runtime;
  const startIndex = positiveIntOf(req, 'startIndex', 1);
  const count = positiveIntOf(req, 'count', cfg.server.defaultPageSize, cfg.server.maxPageSize);
  const runName = typeof req.query.runName === 'string' ? req.query.runName : undefined;
  const { total, items } = await listSyncResults(db, ctx.endpoint.id, { runName, offset: startIndex - 1, limit: count });
  const base = `${ctx.endpoint.url}/$syncResults`;
  const entries = items.map((r) => {
    const s = summariseResults(parseResultFeed(r.body).entries);
    return el(
      'entry',
      {},
      el('id', {}, `${base}('${r.id}')`),
      el('title', {}, `Results of run ${r.runName ?? ''} ${r.runStamp ?? ''}`.trim()),
      el('updated', {}, r.receivedAt),
      el('x:runName', {}, r.runName),
      el('x:runStamp', {}, r.runStamp),
      el('x:summary', {}, ...Object.entries(s).map(([k, v]) => el(`x:${k}`, {}, v))),
      el('content', { type: 'text' }, r.body),
    );
  });
  sendXml(
    res,
    200,
    'application/atom+xml; type=feed',
    renderXml(
      feedNode({
        id: base,
        title: `Sync results posted to ${ctx.endpoint.url}`,
        updated: new Date().toISOString(),
        links: pagingLinks(base, runName ? { runName } : {}, startIndex, count, total),
        totalResults: total,
        startIndex,
        itemsPerPage: count,
        entries,
      }),
    ),
  );
}
