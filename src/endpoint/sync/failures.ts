/**
 * `$failures` (EXT): the quarantine of an endpoint — feed entries that could not be applied, kept whole
 * with their diagnoses and the payload as sent (in JSON: that payload's XML text, since it may be what no
 * JSON shape of the kind can hold) — and `$failures('ID')/$retry` to apply one now under today's configuration and the
 * conflict rules of this moment. Versions of its own a source does not serve (status withheld: a value XML
 * cannot carry) are listed here too; they are not retried.
 */
import type { Request, Response } from 'express';
import { el, type XNode } from '../../atom/write';
import { xmlElementNode, xmlElementText } from '../../atom/copyXml';
import { diagnosisNode, outcomeContentNode } from '../../atom/diagnosisXml';
import { syncStateNode } from '../../atom/syncFeed';
import { failureTable, type FailureRecord, type FailureStatus } from '../../store/failures';
import { applyPage } from '../../store/syncApply';
import { RETRIES_ONLY } from '../../protocol/pagePlan';
import type { ServiceContext } from '../serviceContext';
import type { JsonObject } from '../../json/feedJson';
import { diagnosesJson } from '../../json/diagnosisJson';
import { syncStateJson } from '../../json/syncStateJson';
import type { QuarantinedEntry } from '../../atom/decodeEntries';
import { inPageTransaction } from './pageTransaction';
import { findItem, getListed, itemIdOf, itemUrl, openItem, requireAction, sendItem, type ListedService } from './listedService';

function failureTitle(f: FailureRecord): string {
  const e = f.entry as QuarantinedEntry;
  return `Quarantined entry ${e.uuid ?? e.id ?? ''}`.trim();
}

function failureEntry(f: FailureRecord, ctx: ServiceContext): XNode {
  const e = f.entry as QuarantinedEntry;
  const title = failureTitle(f);
  return el(
    'entry',
    {},
    el('id', {}, itemUrl(ctx, '$failures', f.id)),
    el('title', {}, title),
    el('updated', {}, f.updatedAt),
    outcomeContentNode(`${title} (${f.status})`, f.diagnoses),
    el('link', { rel: 'self', href: itemUrl(ctx, '$failures', f.id) }),
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
    // The payload as the source sent it, so that a person can see what could not be applied.
    e.payload && el('sdata:payload', {}, xmlElementNode(e.payload)),
  );
}

/** The quarantined entry in SData JSON: the fields of its `x:failure` by their local names, its `$diagnoses`, its payload as sent (XML text). */
function failureJson(f: FailureRecord, ctx: ServiceContext): JsonObject {
  const e = f.entry as QuarantinedEntry;
  return {
    $url: itemUrl(ctx, '$failures', f.id),
    $key: String(f.id),
    $descriptor: `${failureTitle(f)} (${f.status})`,
    $updated: f.updatedAt,
    status: f.status,
    attempts: f.attempts,
    ...(f.uuid ? { uuid: f.uuid } : {}),
    ...(e.id ? { entryId: e.id } : {}),
    createdAt: f.createdAt,
    ...(f.runName ? { runName: f.runName } : {}),
    ...(f.runStamp ? { runStamp: f.runStamp } : {}),
    ...(e.state ? { syncState: syncStateJson(e.state, e.knowledge) } : {}),
    ...diagnosesJson(f.diagnoses),
    ...(e.payload ? { payload: xmlElementText(e.payload) } : {}),
  };
}

const FAILURES: ListedService<FailureRecord, FailureStatus> = {
  service: '$failures',
  action: '$retry',
  itemName: 'quarantined entry',
  title: 'Quarantined entries',
  statuses: ['open', 'applied', 'superseded', 'withheld'],
  table: failureTable,
  notOpen: { applicationCode: 'NotOpen', verb: 'is' },
  entry: failureEntry,
  json: failureJson,
};

export async function getFailures(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  await getListed(req, res, ctx, FAILURES);
}

export async function retryFailure(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  requireAction(ctx, FAILURES);
  const { db } = ctx.endpoint;
  const id = itemIdOf(ctx, FAILURES);
  await openItem(db, ctx, FAILURES, id);
  const applied = await inPageTransaction(db, (trx) => applyPage(trx, ctx.endpoint, RETRIES_ONLY, { retry: [id] }));
  ctx.runtime.metrics.entries.applied(ctx.endpoint.url, applied.plan.entries);
  sendItem(req, res, ctx, FAILURES, await findItem(db, ctx, FAILURES, id));
}
