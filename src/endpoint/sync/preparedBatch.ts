/**
 * Two-phase batches at `$syncTarget` (PROTOCOL.md 7): `POST {ep}/$syncTarget?phase=prepare` checks a page
 * completely (floor contiguity, conflict rules, payload validation, references) by applying it, after the
 * batch's earlier pages, inside a savepoint that is rolled back, and keeps it as a prepared batch holding
 * locks on the UUIDs it touches. `POST {ep}/$syncTarget('ID')/$commit` applies the pages with the code of
 * an ordinary page, all in one transaction; `.../$abort` drops them. States: store/contexts.ts.
 *
 *   prepare  ──gap between the feed's floor and this digest──> 409 OutOfSync  (batch aborted)
 *            ──an entry it would quarantine───────────────────> 409 Nak        (batch aborted)
 *            ──a UUID held by another prepared batch──────────> 409 Transient  (nothing stored)
 *            ──else───────────────────────────────────────────> 200 Ack: the result feed the commit would answer
 *   commit   prepared (not expired) ──> 200 result feed, committed      expired or aborted ──> 409 Aborted
 *   abort    prepared | aborted ──> 200 aborted                         committed ──> 409 AlreadyCommitted
 *
 * Every step runs under the endpoint's clock lock, which every writer of its resources takes first, so a
 * check and the locks it leaves are never overtaken by a concurrent change.
 */
import type { Request, Response } from 'express';
import { diagnosesDocument } from '../../atom/diagnosisXml';
import { SDataError, type Diagnosis } from '../../protocol/diagnosis';
import { claimsOf, gapsIn, immediateGapsWithoutFloor } from '../../protocol/floorCeiling';
import { prepareVerdict, type Verdict } from '../../protocol/twoPhase';
import { lockClock } from '../../store/clock';
import { findContext, saveContext, updateContext, type SyncContext } from '../../store/contexts';
import type { Tx } from '../../store/db';
import { readDigest } from '../../store/digests';
import { addPreparedPage, preparedPages, refuseLockedUuids, releaseBatch } from '../../store/preparedBatches';
import { applyPage, dryRunPages, uuidsOf, type AppliedPage, type RunNames } from '../../store/syncApply';
import type { SyncPage } from '../../protocol/pagePlan';
import type { ServiceContext, ServiceHandler } from '../serviceContext';
import { bodyText, FEED_TYPE, sendXml, XML_TYPE } from '../httpBodies';
import { contextIdOf, positiveIntOf, runOf, trackingIdOf, unknownContext } from './params';
import { contextUrl, decodePage, resultFeedOf } from './syncTarget';

/** `phase` of a `$syncTarget` POST: absent (apply the page now) or `prepare`; 400 for anything else. */
function phaseOf(req: Request): 'prepare' | undefined {
  const v = req.query.phase;
  if (v === undefined) return undefined;
  if (v === 'prepare') return 'prepare';
  throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `phase must be 'prepare' (or absent to apply the page at once), not '${String(v)}'` });
}

/** The POST handler of `$syncTarget`: an ordinary page, a prepare, or a decision on a prepared batch. */
export function postSyncTargetOrPhase(applyPage: ServiceHandler): ServiceHandler {
  return async (req, res, ctx) => {
    if (ctx.path.serviceArg !== undefined || ctx.path.action !== undefined) return decideBatch(req, res, ctx);
    if (phaseOf(req) === 'prepare') return prepareBatchPage(req, res, ctx);
    return applyPage(req, res, ctx);
  };
}

const closed = (status: number, applicationCode: string, message: string): { status: number; xml: string } => ({
  status,
  xml: diagnosesDocument([{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode, message }]),
});

/** The pages of a prepared batch, decoded again as they were received. */
async function batchPages(trx: Tx, ctx: ServiceContext, id: string): Promise<SyncPage[]> {
  return (await preparedPages(trx, ctx.endpoint.id, id)).map((xml) => decodePage(xml, ctx));
}

async function prepareBatchPage(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const { cfg } = ctx.runtime;
  const { db } = ctx.endpoint;
  const id = trackingIdOf(req);
  const run = runOf(req);
  const timeoutSeconds = positiveIntOf(req, 'timeout', cfg.sync.preparedTimeoutSeconds, cfg.sync.maxPreparedTimeoutSeconds);
  const body = bodyText(req);
  req.body = undefined;
  const page = decodePage(body, ctx);
  const target = ctx.endpoint;
  const answer = await db.transaction(async (trx): Promise<{ verdict: Verdict; xml: string }> => {
    await lockClock(trx, target.id);
    const existing = await findContext(trx, target.id, 'prepared', id, { forUpdate: true });
    if (existing && existing.status !== 'prepared') {
      throw new SDataError(409, { sdataCode: 'ApplicationDiagnosis', applicationCode: 'BatchClosed', message: `the two-phase batch ${id} is already ${existing.status}` });
    }
    await refuseLockedUuids(trx, target.id, uuidsOf(page.entries), id);
    const digest = await readDigest(trx, target.id, target.url);
    const gaps = page.floor ? gapsIn(claimsOf(page.floor, page.ceiling), digest) : immediateGapsWithoutFloor(page.entries.flatMap((e) => (e.state ? [e.state] : [])), digest);
    let verdict: Verdict;
    let applied: Awaited<ReturnType<typeof dryRunPages>> = [];
    if (gaps.length > 0) verdict = prepareVerdict({ entries: [] }, gaps);
    else {
      const prior = existing ? await batchPages(trx, ctx, id) : [];
      applied = await dryRunPages(trx, target, [...prior, page], { run, ownBatch: id });
      verdict = prepareVerdict(applied[applied.length - 1].plan, []);
    }
    if (verdict.vote !== 'Ack') {
      if (existing) await releaseBatch(trx, target.id, id);
      const xml = diagnosesDocument(verdict.diagnoses);
      await saveContext(trx, { id, endpointId: target.id, role: 'prepared', status: 'aborted', ...run, mode: page.statedMode, result: xml, resultStatus: 409 });
      return { verdict, xml };
    }
    const expiresAt = new Date(Date.now() + timeoutSeconds * 1000);
    if (existing) await updateContext(trx, target.id, id, { expiresAt });
    else await saveContext(trx, { id, endpointId: target.id, role: 'prepared', status: 'prepared', ...run, mode: page.statedMode, floor: page.floor, ceiling: page.ceiling, expiresAt });
    await addPreparedPage(trx, id, target.id, body, uuidsOf(page.entries));
    return { verdict, xml: resultFeedOf(ctx, id, applied, page.ceiling, run, `Prepared at ${ctx.endpoint.url}: what the commit will apply`) };
  });
  res.setHeader('Location', contextUrl(ctx, id));
  if (answer.verdict.vote === 'Ack') sendXml(res, 200, FEED_TYPE, answer.xml);
  else sendXml(res, 409, XML_TYPE, answer.xml);
}

/** A prepared batch past its timeout, aborted now (the sweep may not have come yet). */
async function abortIfExpired(trx: Tx, c: SyncContext): Promise<boolean> {
  if (c.status !== 'prepared' || !c.expiresAt || c.expiresAt.getTime() > Date.now()) return false;
  await releaseBatch(trx, c.endpointId, c.id);
  await updateContext(trx, c.endpointId, c.id, { status: 'aborted', resultStatus: 409 });
  return true;
}

async function commitBatch(trx: Tx, ctx: ServiceContext, c: SyncContext): Promise<{ status: number; xml: string; applied?: AppliedPage[] }> {
  if (c.status === 'committed') return { status: 200, xml: c.result ?? '' };
  if (c.status === 'aborted' || (await abortIfExpired(trx, c))) return closed(409, 'Aborted', `the two-phase batch ${c.id} was aborted (by $abort, a refused page or its timeout); nothing of it was applied`);
  const run: RunNames = { runName: c.runName, runStamp: c.runStamp };
  const applied: AppliedPage[] = [];
  for (const page of await batchPages(trx, ctx, c.id)) applied.push(await applyPage(trx, ctx.endpoint, page, { run, ownBatch: c.id }));
  await releaseBatch(trx, c.endpointId, c.id);
  const xml = resultFeedOf(ctx, c.id, applied, c.ceiling ?? { entries: [] }, run, `Committed at ${ctx.endpoint.url}`);
  await updateContext(trx, c.endpointId, c.id, { status: 'committed', result: xml, resultStatus: 200 });
  return { status: 200, xml, applied };
}

async function abortBatch(trx: Tx, c: SyncContext): Promise<{ status: number; xml: string }> {
  if (c.status === 'committed') return closed(409, 'AlreadyCommitted', `the two-phase batch ${c.id} is already committed`);
  if (c.status === 'prepared') {
    await releaseBatch(trx, c.endpointId, c.id);
    await updateContext(trx, c.endpointId, c.id, { status: 'aborted', resultStatus: 409 });
  }
  const info: Diagnosis = { severity: 'Info', sdataCode: 'ApplicationDiagnosis', applicationCode: 'Aborted', message: `the two-phase batch ${c.id} is aborted; nothing of it was applied` };
  return { status: 200, xml: diagnosesDocument([info]) };
}

/** POST `{ep}/$syncTarget('ID')/$commit` or `/$abort`. */
async function decideBatch(_req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const action = ctx.path.action;
  if (action !== '$commit' && action !== '$abort') {
    throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `POST $syncTarget('ID')/$commit or /$abort${action ? `, not ${action}` : ''}` });
  }
  const id = contextIdOf(ctx.path.serviceArg, '$syncTarget');
  const { db } = ctx.endpoint;
  const answer = await db.transaction(async (trx): Promise<{ status: number; xml: string; applied?: AppliedPage[] }> => {
    await lockClock(trx, ctx.endpoint.id);
    const c = await findContext(trx, ctx.endpoint.id, 'prepared', id, { forUpdate: true });
    if (!c) throw unknownContext('$syncTarget', id);
    return action === '$commit' ? commitBatch(trx, ctx, c) : abortBatch(trx, c);
  });
  // Counted once committed: the pages of the batch are applied only now.
  for (const a of answer.applied ?? []) ctx.runtime.metrics.entries.applied(ctx.endpoint.url, a.plan.entries);
  res.setHeader('Location', contextUrl(ctx, id));
  sendXml(res, answer.status, answer.status === 200 && action === '$commit' ? FEED_TYPE : XML_TYPE, answer.xml);
}
