/**
 * `$syncTarget` (PROTOCOL.md 3.2): POST applies one page of a sync feed in one transaction and answers the
 * result feed. Work that ends within `sync.answerWithinMillis` is answered 200 at once and keeps no context
 * (no Location; GET or DELETE of its ID is 404, PROTOCOL.md 3.2); longer work is answered 202 with tracking
 * and Location, and its result is read later from the context (any process can serve it).
 *
 *   POST ──work ends first──> answered now (200 with the result feed, or the error): no context
 *     └──sync.answerWithinMillis first──> applying (stored, 202)
 *            ──commit──> done (result feed stored with the data, same transaction)
 *            └─error──> failed (diagnoses stored)               GET: 202 while applying, else the result
 */
import { serviceUrlOf } from '../../protocol/endpointUrl';
import type { Request, Response } from 'express';
import { parseSyncFeed } from '../../atom/syncFeed';
import { buildResultFeed, type ResultEntry } from '../../atom/resultFeed';
import { buildTracking } from '../../atom/tracking';
import { diagnosesDocument } from '../../atom/diagnosisXml';
import { keyUrl } from '../../atom/resourceXml';
import { SDataError, type Diagnosis } from '../../protocol/diagnosis';
import type { PlannedEntry, SyncPage } from '../../protocol/pagePlan';
import { repeatedUuid } from '../../protocol/pageIdentity';
import type { Digest } from '../../protocol/types';
import { applyPage, type AppliedPage, type RunNames } from '../../store/syncApply';
import { retryReferencing } from '../../store/tableBacked/referencingRetry';
import { deleteContext, findContext, saveContext } from '../../store/contexts';
import { etagOf } from '../../store/versions';
import type { ServiceContext } from '../serviceContext';
import { decodeSyncEntry, decodeUnreadableEntry, type QuarantinedEntry } from '../../atom/decodeEntries';
import { inPageTransaction } from './pageTransaction';
import { contextIdOf, runOf, trackingIdOf, unknownContext } from './params';
import { bodyText, FEED_TYPE, sendXml, XML_TYPE } from '../httpBodies';

export function contextUrl(ctx: ServiceContext, id: string): string {
  return serviceUrlOf(ctx.endpoint.url, `$syncTarget('${id}')`);
}

/** The result-feed entry of one applied page entry. */
function resultEntryOf(p: PlannedEntry, endpointUrl: string, keys: Map<string, string>): ResultEntry {
  const raw = p.entry.raw as QuarantinedEntry;
  const key = p.entry.uuid ? keys.get(p.entry.uuid) : undefined;
  const location = key !== undefined ? keyUrl(endpointUrl, key) : raw.id;
  const base = { id: raw.id, uuid: p.entry.uuid, location };
  switch (p.outcome.kind) {
    case 'applied':
    case 'conflict': {
      const method = p.outcome.method;
      const message =
        p.outcome.kind === 'applied' ? (method === 'POST' ? 'Created' : 'OK') : p.outcome.winner === 'source' ? 'Conflict resolved: feed version applied' : 'Conflict resolved: target version kept';
      return { ...base, httpStatus: method === 'POST' ? 201 : 200, httpMessage: message, httpMethod: method, etag: p.stored ? etagOf(p.stored.state) : undefined, diagnoses: p.diagnoses };
    }
    case 'linked':
      return {
        ...base,
        httpStatus: 200,
        httpMessage: `Linked to the local resource '${p.outcome.key}'${p.outcome.parked ? (p.outcome.winner === 'source' ? '; conflict resolved: feed version applied' : '; conflict resolved: target version kept') : ''}`,
        httpMethod: p.outcome.method,
        etag: p.stored ? etagOf(p.stored.state) : undefined,
        diagnoses: p.diagnoses,
      };
    case 'ambiguous':
      return { ...base, httpStatus: 200, httpMessage: 'Not linked: matches several local resources; parked at $conflicts', diagnoses: p.diagnoses };
    case 'ignored':
      return {
        ...base,
        httpStatus: 304,
        httpMessage: 'Not Modified',
        diagnoses: [{ severity: 'Info', sdataCode: 'ApplicationDiagnosis', applicationCode: 'Skipped', message: p.outcome.reason }],
      };
    case 'quarantined':
      return {
        ...base,
        httpStatus: 422,
        httpMessage: 'Unprocessable Entity: quarantined at $failures',
        diagnoses: p.diagnoses,
      };
  }
}

/**
 * Parses and decodes the posted page. The request's text and the XML tree are dropped here, so that
 * neither is held while the page's writes run (a 1,000-entry page is about 1 MB of text and six times
 * that as a tree).
 */
function receivePage(req: Request, ctx: ServiceContext): SyncPage {
  const text = bodyText(req);
  req.body = undefined;
  return decodePage(text, ctx);
}

/**
 * Parses and decodes one page of a sync feed for this endpoint (400 when it is not a valid one; 403 when the
 * endpoint is no sync target). An entry that cannot be read (its sync metadata, its payload) does not make
 * the page invalid: it is quarantined alone, so one bad entry never stops a route.
 */
export function decodePage(xml: string, ctx: ServiceContext): SyncPage {
  const def = ctx.endpoint.def;
  const feed = parseSyncFeed(xml, (e) => decodeSyncEntry(e, def), ctx.runtime.cfg.xml, (e) => decodeUnreadableEntry(e, def));
  if (!ctx.endpoint.def.kind.isSyncTarget) {
    throw new SDataError(403, { sdataCode: 'Forbidden', applicationCode: 'NotSyncTarget', message: `${ctx.endpoint.url} is not a sync target` });
  }
  if (!feed.ceiling) {
    throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidSyncFeed', message: 'a sync feed needs sync:digest (the source digest)', payloadPath: 'feed/digest' });
  }
  const repeated = repeatedUuid(feed.entries);
  if (repeated) {
    throw new SDataError(400, {
      sdataCode: 'BadRequest',
      applicationCode: 'DuplicateUuid',
      message: `entries ${repeated.firstIndex} and ${repeated.index} both carry sdata:uuid '${repeated.uuid}': a page names each resource once; nothing of the page was applied`,
      payloadPath: `entry[${repeated.index}]/payload`,
    });
  }
  return {
    mode: feed.mode ?? 'catchUp',
    statedMode: feed.mode,
    ceiling: feed.ceiling,
    floor: feed.floor,
    isLastPage: !feed.next,
    entries: feed.entries,
  };
}

/** The result feed of one or more pages applied together (a two-phase batch's pages are answered in one). */
export function resultFeedOf(ctx: ServiceContext, id: string, applied: AppliedPage[], ceiling: Digest, run: RunNames, title = `Result of applying a sync page at ${ctx.endpoint.url}`): string {
  const entries = applied.flatMap((a) => a.plan.entries.filter((p) => !p.entry.retry).map((p) => resultEntryOf(p, ctx.endpoint.url, a.keys)));
  return buildResultFeed({
    id: contextUrl(ctx, id),
    title,
    updated: new Date().toISOString(),
    entries,
    diagnoses: applied.flatMap((a) => a.plan.diagnoses),
    ...run,
    source: ceiling.origin,
    target: ctx.endpoint.url,
    kind: ctx.endpoint.def.kind.name,
  });
}

export async function postSyncTarget(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const { cfg } = ctx.runtime;
  const { db } = ctx.endpoint;
  const id = trackingIdOf(req);
  const run = runOf(req);
  const page = receivePage(req, ctx);
  // How the page is answered, decided once (one thread: no race between the work and the timer): `now` when
  // the work reached its end (or failed) first, `late` when the answer timer ran first. A page answered now
  // keeps no context; a late one's outcome is stored in its context, with the data when it commits.
  let answer: 'now' | 'late' | undefined;
  // The page, the quarantined entries it retries, those of the endpoints referencing this one, the result
  // feed and (answered late) the context: one transaction.
  const work = inPageTransaction(db, async (trx) => {
    const applied = await applyPage(trx, ctx.endpoint, page, { retry: 'open', run });
    await retryReferencing(trx, ctx.endpoint, ctx.runtime.catalog.endpoints, run);
    const resultXml = resultFeedOf(ctx, id, [applied], page.ceiling, run);
    answer ??= 'now';
    if (answer === 'late') await saveContext(trx, { id, endpointId: ctx.endpoint.id, role: 'target', status: 'done', ...run, mode: page.statedMode, result: resultXml, resultStatus: 200 });
    return { applied, resultXml };
  }).then(
    ({ applied, resultXml }) => {
      ctx.runtime.metrics.entries.applied(ctx.endpoint.url, applied.plan.entries);
      return { ok: true as const, resultXml };
    },
    (err: unknown) => {
      answer ??= 'now';
      return { ok: false as const, err };
    },
  );

  // A failed page answered late is recorded in its context, for whoever polls. The whole of the work is work
  // in flight: it goes on after a 202, and a graceful stop waits for it.
  void ctx.runtime.work.track(work.then(async (outcome) => {
    if (outcome.ok || answer !== 'late') return;
    const err = outcome.err;
    const diagnoses: Diagnosis[] = err instanceof SDataError ? err.diagnoses : [{ severity: 'Error', sdataCode: 'InternalServerError', message: (err as Error).message }];
    const failed = { id, endpointId: ctx.endpoint.id, role: 'target' as const, status: 'failed' as const, ...run, mode: page.statedMode, result: diagnosesDocument(diagnoses), resultStatus: err instanceof SDataError ? err.status : 500 };
    await saveContext(db, failed).catch(() => undefined);
  }));
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      if (answer !== undefined) return; // the work ended first: its answer (awaiting its commit) is the one
      answer = 'late';
      resolve('late');
    }, cfg.sync.answerWithinMillis);
    timer.unref();
  });
  const first = await Promise.race([work, late]);
  clearTimeout(timer);
  if (first !== 'late') {
    if (!first.ok) throw first.err;
    sendXml(res, 200, FEED_TYPE, first.resultXml);
    return;
  }
  // Longer work: the context says `applying` (unless the outcome is already there), then 202 and Location;
  // the outcome lands in the context for whoever polls, in whichever process.
  await saveContext(db, { id, endpointId: ctx.endpoint.id, role: 'target', status: 'applying', ...run, mode: page.statedMode }, { ifAbsent: true });
  res.setHeader('Location', contextUrl(ctx, id));
  sendXml(res, 202, XML_TYPE, trackingOf(Date.now() - started, page.entries.length));
}

function trackingOf(elapsedMillis: number, entries: number): string {
  return buildTracking({
    phase: 'applying',
    phaseDetail: `applying ${entries} entries`,
    progress: 0,
    elapsedSeconds: elapsedMillis / 1000,
    remainingSeconds: Math.max(0.05, entries / 20000),
    pollingMillis: Math.max(20, Math.min(1000, Math.round(entries / 20))),
  });
}

async function answerFromContext(res: Response, ctx: ServiceContext, id: string): Promise<void> {
  const context = await findContext(ctx.endpoint.db, ctx.endpoint.id, 'target', id);
  if (!context) throw unknownContext('$syncTarget', id);
  if (context.status === 'applying') {
    sendXml(res, 202, XML_TYPE, trackingOf(Date.now() - context.createdAt.getTime(), 0));
    return;
  }
  const status = context.resultStatus ?? 200;
  sendXml(res, status, status === 200 ? FEED_TYPE : XML_TYPE, context.result ?? '');
}

export async function getSyncTarget(_req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const id = contextIdOf(ctx.path.serviceArg, '$syncTarget');
  res.setHeader('Location', contextUrl(ctx, id));
  await answerFromContext(res, ctx, id);
}

export async function deleteSyncTarget(_req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const id = contextIdOf(ctx.path.serviceArg, '$syncTarget');
  if (!(await deleteContext(ctx.endpoint.db, ctx.endpoint.id, 'target', id))) throw unknownContext('$syncTarget', id);
  res.status(200).end();
}
