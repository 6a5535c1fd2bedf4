/**
 * `$failures` (EXT): the quarantine of an endpoint — feed entries that could not be applied, kept whole
 * with their diagnoses — and `$failures('ID')/$retry` to apply one now under today's configuration and the
 * conflict rules of this moment. Versions of its own a source does not serve (status withheld: a value XML
 * cannot carry) are listed here too; they are not retried.
 */
import type { Request, Response } from 'express';
import { el, renderXml, type XNode } from '../../atom/write';
import { diagnosisNode, outcomeContentNode } from '../../atom/diagnosisXml';
import { syncStateNode } from '../../atom/syncFeed';
import { asDocumentRoot } from '../../atom/feed';
import { SDataError } from '../../protocol/diagnosis';
import { FAILURE_COLUMNS, findFailure, listFailures, type FailureRecord, type FailureStatus } from '../../store/failures';
import { applyPage } from '../../store/syncApply';
import { RETRIES_ONLY } from '../../protocol/pagePlan';
import type { ServiceContext } from '../serviceContext';
import type { QuarantinedEntry } from '../../atom/decodeEntries';
import { inPageTransaction } from './pageTransaction';
import { filterOf, sendListFeed } from './listFeed';
import { whereOf } from '../resourceQuery';
import { tableSchema } from '../../store/querySql';
import { ENTRY_TYPE, sendXml } from '../httpBodies';
import { boundedIntegerOf } from '../../protocol/boundedValues';

const STATUSES: readonly FailureStatus[] = ['open', 'applied', 'superseded', 'withheld'];

function failureUrl(ctx: ServiceContext, id: number): string {
  return `${ctx.endpoint.url}/$failures('${id}')`;
}

function failureEntry(f: FailureRecord, ctx: ServiceContext): XNode {
  const e = f.entry as QuarantinedEntry;
  const title = `Quarantined entry ${e.uuid ?? e.id ?? ''}`.trim();
  return el(
    'entry',
    {},
    el('id', {}, failureUrl(ctx, f.id)),
    el('title', {}, title),
    el('updated', {}, f.updatedAt),
    outcomeContentNode(`${title} (${f.status})`, f.diagnoses),
    el('link', { rel: 'self', href: failureUrl(ctx, f.id) }),
    el(
      'x:failure',
      {},
      el('x:status', {}, f.status),
      el('x:attempts', {}, f.attempts),
      f.uuid && el('x:uuid', {}, f.uuid),
      e.id && el('x:entryId', {}, e.id),
      el('x:createdAt', {}, f.createdAt),
      f.runName && el('x:runName', {}, f.runName),
      f.runStamp && el('x:runStamp', {}, f.runStamp),
      e.state && syncStateNode(e.state, e.knowledge),
    ),
    el('sdata:diagnoses', {}, ...f.diagnoses.map(diagnosisNode)),
  );
}

function failureIdOf(ctx: ServiceContext): number {
  const arg = ctx.path.serviceArg ?? '';
  const id = boundedIntegerOf(arg, 1);
  if (id === undefined) throw notFound(arg);
  return id;
}

function notFound(id: string): SDataError {
  return new SDataError(404, { sdataCode: 'ResourceNotFound', message: `no quarantined entry '${id}' at this endpoint` });
}

export async function getFailures(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const { db } = ctx.endpoint;
  if (ctx.path.serviceArg !== undefined) {
    const f = await findFailure(db, ctx.endpoint.id, failureIdOf(ctx));
    if (!f) throw notFound(ctx.path.serviceArg);
    sendXml(res, 200, ENTRY_TYPE, renderXml(asDocumentRoot(failureEntry(f, ctx))));
    return;
  }
  const status = filterOf(req, 'status', STATUSES);
  const where = whereOf(req, tableSchema('$failures', FAILURE_COLUMNS));
  await sendListFeed(req, res, ctx, {
    service: '$failures',
    title: `Quarantined entries at ${ctx.endpoint.url}`,
    filter: { status, where: filterOf(req, 'where') },
    list: (page) => listFailures(db, ctx.endpoint.id, { status, where, ...page }),
    entry: (f) => failureEntry(f, ctx),
  });
}

export async function retryFailure(_req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  if (ctx.path.action !== '$retry') throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: "POST $failures('ID')/$retry" });
  const { db } = ctx.endpoint;
  const id = failureIdOf(ctx);
  const before = await findFailure(db, ctx.endpoint.id, id);
  if (!before) throw notFound(String(id));
  if (before.status !== 'open') {
    throw new SDataError(409, { sdataCode: 'Conflict', applicationCode: 'NotOpen', message: `quarantined entry ${id} is already ${before.status}` });
  }
  const applied = await inPageTransaction(db, (trx) => applyPage(trx, ctx.endpoint, RETRIES_ONLY, { retry: [id] }));
  ctx.runtime.metrics.entries.applied(ctx.endpoint.url, applied.plan.entries);
  const after = (await findFailure(db, ctx.endpoint.id, id))!;
  sendXml(res, 200, ENTRY_TYPE, renderXml(asDocumentRoot(failureEntry(after, ctx))));
}
