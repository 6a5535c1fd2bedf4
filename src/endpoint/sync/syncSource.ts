/**
 * `$syncSource` (PROTOCOL.md 3.2, 4): POST freezes a selection (the target digest as floor, this endpoint's
 * digest as ceiling) and answers the first page at once; when there are more pages, the selection is kept in
 * a database context (Location) whose further pages GET reads by keyset cursor, and DELETE drops it.
 * `syncMode=immediate` marks the feed as an immediate push (the engine's, PROTOCOL.md 6: the floor is the
 * target digest it last knew, not one it just read).
 *
 *   POST ──first page is the last──> answered whole (no context, no Location; GET/DELETE of its ID: 404)
 *     └──more pages──> context ready (floor, ceiling, total, cursor) ──GET page n──> ready ... ──DELETE──> gone
 *
 * A version holding a character XML cannot carry (a table-backed kind's row written by its application, or
 * a value stored before such values were refused) is never served: it is left out of its page, listed at
 * this endpoint's `$failures` as withheld with its diagnosis, and the rest of the page is served. A later
 * version of the resource is served as usual.
 */
import { serviceUrlOf } from '../../protocol/endpointUrl';
import type { Request, Response } from 'express';
import { parseXml } from '../../atom/xml';
import { parseDigestDocument } from '../../atom/digestXml';
import { buildSyncFeed, type SyncFeedEntryOut } from '../../atom/syncFeed';
import { payloadNode } from '../../atom/payloadWrite';
import type { ResourceValues } from '../../protocol/propertyValues';
import { keyUrl } from '../../atom/resourceXml';
import { selectionRanges } from '../../protocol/selection';
import { knowledgeToSend } from '../../protocol/knowledge';
import { SDataError, type Diagnosis } from '../../protocol/diagnosis';
import { forbiddenCharMessage, forbiddenInValue, forbiddenXmlChar, type ForbiddenChar } from '../../protocol/xmlText';
import type { Digest } from '../../protocol/types';
import { readDigest } from '../../store/digests';
import { countSelection, readSelection } from '../../store/syncSelection';
import { deleteContext, findContext, saveContext, updateContext, type SyncContext } from '../../store/contexts';
import { stateOf, type VersionRow } from '../../store/versions';
import { withholdVersions, type WithheldVersion } from '../../store/failures';
import { foldCapturedChanges } from '../../store/tableBacked/fold';
import type { ServiceContext } from '../serviceContext';
import { contextIdOf, positiveIntOf, runOf, syncModeOf, trackingIdOf, unknownContext } from './params';
import { bodyText, FEED_TYPE, sendXml } from '../httpBodies';


export async function postSyncSource(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const { cfg } = ctx.runtime;
  const { db } = ctx.endpoint;
  const id = trackingIdOf(req);
  const run = runOf(req);
  const mode = syncModeOf(req);
  const floor: Digest = parseDigestDocument(parseXml(bodyText(req), { limits: cfg.xml }), cfg.xml.maxDigestEntries);
  if (!ctx.endpoint.def.kind.isSyncSource) {
    throw new SDataError(403, { sdataCode: 'Forbidden', applicationCode: 'NotSyncSource', message: `${ctx.endpoint.url} is not a sync source` });
  }
  const ceiling = await readDigest(db, ctx.endpoint.id, ctx.endpoint.url);
  // Every tick below the ceiling is in the sync states before a page is read.
  await foldCapturedChanges(db, ctx.endpoint.table);
  const context: SyncContext = {
    id,
    endpointId: ctx.endpoint.id,
    role: 'source',
    status: 'ready',
    ...run,
    mode,
    floor,
    ceiling,
    cursor: { pages: { '1': null } },
    createdAt: new Date(),
    touchedAt: new Date(),
  };
  const count = positiveIntOf(req, 'count', cfg.sync.pageSize, cfg.sync.maxPageSize);
  // A selection that fits in its first page (an immediate push, a pass with little or nothing to move) is
  // answered whole at once: it keeps no context (nothing is written) and its answer has no Location
  // (PROTOCOL.md 3.2). A longer one's context is written once, with the next page's cursor and the total.
  await sendPage(res, ctx, context, 1, count, async (cursor, onPage, hasMore) => {
    if (!hasMore || !cursor) {
      context.total = onPage;
      return;
    }
    context.total = await countSelection(db, ctx.endpoint.id, selectionRanges(ceiling, floor));
    context.cursor = cursor;
    await saveContext(db, context);
    res.setHeader('Location', contextUrl(ctx, id));
  });
}

export async function getSyncSource(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const { cfg } = ctx.runtime;
  const { db } = ctx.endpoint;
  const id = contextIdOf(ctx.path.serviceArg, '$syncSource');
  const context = await findContext(db, ctx.endpoint.id, 'source', id);
  if (!context) throw unknownContext('$syncSource', id);
  const startIndex = positiveIntOf(req, 'startIndex', 1);
  const count = positiveIntOf(req, 'count', cfg.sync.pageSize, cfg.sync.maxPageSize);
  await sendPage(res, ctx, context, startIndex, count, (cursor) => updateContext(db, context.endpointId, context.id, cursor ? { cursor } : {}));
}

export async function deleteSyncSource(_req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const id = contextIdOf(ctx.path.serviceArg, '$syncSource');
  if (!(await deleteContext(ctx.endpoint.db, ctx.endpoint.id, 'source', id))) throw unknownContext('$syncSource', id);
  res.status(200).end();
}

function contextUrl(ctx: ServiceContext, id: string): string {
  return serviceUrlOf(ctx.endpoint.url, `$syncSource('${id}')`);
}

type Cursor = NonNullable<SyncContext['cursor']>;

/**
 * Reads page `startIndex` of the selection, lets `persist` record the context (with the cursor of the next
 * page when there is one) and writes the page.
 */
async function sendPage(res: Response, ctx: ServiceContext, context: SyncContext, startIndex: number, count: number, persist: (cursor: Cursor | undefined, onPage: number, hasMore: boolean) => Promise<unknown>): Promise<void> {
  const { db } = ctx.endpoint;
  const { def, url } = ctx.endpoint;
  const after = context.cursor?.pages[String(startIndex)];
  if (after === undefined) {
    throw new SDataError(400, {
      sdataCode: 'BadQueryParameter',
      message: `startIndex ${startIndex} is not the start of a page of this selection; follow the feed's links`,
    });
  }
  const ceiling = context.ceiling!;
  const ranges = selectionRanges(ceiling, context.floor);
  const rows = await readSelection(db, ctx.endpoint.id, ranges, after, count + 1);
  const hasMore = rows.length > count;
  const page = hasMore ? rows.slice(0, count) : rows;
  const last = page[page.length - 1];
  await persist(hasMore ? { pages: { ...context.cursor!.pages, [String(startIndex + count)]: [last.state_endpoint, Number(last.state_tick)] as [string, number] } } : undefined, page.length, hasMore);
  const self = contextUrl(ctx, context.id);
  const link = (s: number) => `${self}?startIndex=${s}&count=${count}`;
  const updated = new Date().toISOString();
  const servable = await withoutUnservable(ctx, context, page);
  const entries: SyncFeedEntryOut[] = servable.map((r) => {
    const entryUrl = keyUrl(url, r.local_key);
    const knowledge = knowledgeToSend(r.knowledge ?? undefined, ceiling);
    return {
      id: entryUrl,
      title: `${def.kind.element} ${r.local_key}`,
      updated: new Date(r.state_stamp).toISOString(),
      uuid: r.uuid,
      state: stateOf(r),
      knowledge,
      deleted: r.deleted,
      etag: r.etag,
      payload: payloadNode({ key: r.local_key, uuid: r.uuid, url: entryUrl, values: r.payload as ResourceValues, deleted: r.deleted }, def.kind, def.app),
    };
  });
  const links = [
    { rel: 'self', href: link(startIndex) },
    { rel: 'first', href: link(1) },
    ...(startIndex > 1 ? [{ rel: 'previous', href: link(Math.max(1, startIndex - count)) }] : []),
    ...(hasMore ? [{ rel: 'next', href: link(startIndex + count) }] : []),
  ];
  const xml = buildSyncFeed({
    id: self,
    title: `Sync feed of ${url}`,
    updated,
    mode: context.mode ?? 'catchUp',
    ceiling,
    floor: context.floor,
    links,
    totalResults: context.total ?? page.length,
    startIndex,
    itemsPerPage: count,
    entries,
  });
  sendXml(res, 200, FEED_TYPE, xml);
}

/** The diagnosis of a version that is not served. */
function unservableDiagnosis(path: string, message: string): Diagnosis {
  return {
    severity: 'Error',
    sdataCode: 'ApplicationDiagnosis',
    applicationCode: 'UnservableValue',
    message: `this version holds ${message}: it is not served in sync feeds; correct the value at this endpoint (its next version is served)`,
    payloadPath: path,
  };
}

/** The entries XML can carry; the others are recorded as withheld (store/failures.ts) and logged. */
/**
 * Where a stored version holds a character XML cannot carry: its key, its user or a payload value (the rest of
 * an entry is written from configuration and UUIDs). One pass over the row's own values, before any XML.
 */
function unservableIn(r: VersionRow, element: string): { path: string; found: ForbiddenChar } | undefined {
  const key = forbiddenXmlChar(r.local_key);
  if (key) return { path: `${element}/@sdata:key`, found: key };
  const user = r.state_user ? forbiddenXmlChar(r.state_user) : undefined;
  if (user) return { path: 'syncState/user', found: user };
  const value = forbiddenInValue(r.payload);
  return value && { path: `${element}/${value.path}`, found: value.found };
}

/** The rows of a page that can be served; the others are withheld (listed at `$failures`, logged). */
async function withoutUnservable<R extends VersionRow>(ctx: ServiceContext, context: SyncContext, rows: R[]): Promise<R[]> {
  const servable: R[] = [];
  const withheld: WithheldVersion[] = [];
  const element = ctx.endpoint.def.kind.element;
  for (const r of rows) {
    const hit = unservableIn(r, element);
    if (!hit) {
      servable.push(r);
      continue;
    }
    const diagnosis = unservableDiagnosis(hit.path, forbiddenCharMessage(hit.found));
    const state = stateOf(r);
    withheld.push({ uuid: r.uuid, entry: { index: 0, id: keyUrl(ctx.endpoint.url, r.local_key), uuid: r.uuid, state, deleted: r.deleted }, ceiling: context.ceiling!, diagnoses: [diagnosis] });
    ctx.runtime.log.warn({ endpoint: ctx.endpoint.url, uuid: r.uuid, tick: state.tick, payloadPath: hit.path }, 'a version holding a character XML cannot carry was left out of a sync feed');
  }
  if (withheld.length > 0) await withholdVersions(ctx.endpoint.db, ctx.endpoint.id, withheld, context);
  return servable;
}
