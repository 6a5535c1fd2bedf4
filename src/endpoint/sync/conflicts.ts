/**
 * `$conflicts` (EXT): the parked conflicts of an endpoint as an Atom feed (both versions with payload and
 * sync state, which won and why, when, the run), and `$conflicts('ID')/$resolve` to keep the parked losing
 * version instead (written as a new local change, so it propagates) or to dismiss it.
 */
import type { Request, Response } from 'express';
import { el, renderXml, type XNode } from '../../atom/write';
import { payloadNode } from '../../atom/payloadWrite';
import type { ResourceValues } from '../../protocol/propertyValues';
import { keyUrl } from '../../atom/resourceXml';
import { syncStateNode } from '../../atom/syncFeed';
import { parseXml, childText, type XmlLimits } from '../../atom/xml';
import { NS } from '../../atom/namespaces';
import { asDocumentRoot, textContentNode } from '../../atom/feed';
import { SDataError } from '../../protocol/diagnosis';
import { knowledgeOnRestamp } from '../../protocol/knowledge';
import type { StoredVersion } from '../../protocol/pagePlan';
import { CONFLICT_COLUMNS, decideConflict, findConflict, listConflicts, type ConflictRecord, type ConflictStatus } from '../../store/conflicts';
import { takeTicks } from '../../store/clock';
import { refuseLockedUuids } from '../../store/preparedBatches';
import { loadVersionsByUuid, writeVersions } from '../../store/versions';
import { lockAppRows, writeAppRowsOrRefuse } from '../../store/tableBacked/appRows';
import { foldCapturedChanges } from '../../store/tableBacked/fold';
import { requestUser } from '../../security/accessControl';
import type { ServiceContext } from '../serviceContext';
import { filterOf, sendListFeed } from './listFeed';
import { whereOf } from '../resourceQuery';
import { tableSchema } from '../../store/querySql';
import { ENTRY_TYPE, sendXml } from '../httpBodies';
import { boundedIntegerOf } from '../../protocol/boundedValues';

const STATUSES: readonly ConflictStatus[] = ['open', 'kept', 'dismissed'];

function conflictUrl(ctx: ServiceContext, id: number): string {
  return `${ctx.endpoint.url}/$conflicts('${id}')`;
}

function versionNode(tag: string, v: StoredVersion, key: string, ctx: ServiceContext): XNode {
  const url = keyUrl(ctx.endpoint.url, key);
  return el(
    tag,
    {},
    syncStateNode(v.state, v.knowledge),
    el('sdata:payload', {}, payloadNode({ key, uuid: v.uuid, url, values: v.values as ResourceValues, deleted: v.deleted }, ctx.endpoint.def.kind, ctx.endpoint.def.app)),
  );
}

function conflictEntry(c: ConflictRecord, ctx: ServiceContext): XNode {
  const title = `Conflict on ${keyUrl(ctx.endpoint.url, c.key)}: ${c.winner === 'source' ? 'incoming' : 'local'} version won`;
  return el(
    'entry',
    {},
    el('id', {}, conflictUrl(ctx, c.id)),
    el('title', {}, title),
    el('updated', {}, c.decidedAt ?? c.createdAt),
    textContentNode(`${title} (${c.reason}); ${c.status}`),
    el('link', { rel: 'self', href: conflictUrl(ctx, c.id) }),
    el('link', { rel: 'related', href: keyUrl(ctx.endpoint.url, c.key) }),
    el(
      'x:conflict',
      {},
      el('x:status', {}, c.status),
      el('x:winner', {}, c.winner),
      el('x:reason', {}, c.reason),
      el('x:uuid', {}, c.uuid),
      el('x:createdAt', {}, c.createdAt),
      c.decidedAt && el('x:decidedAt', {}, c.decidedAt),
      c.runName && el('x:runName', {}, c.runName),
      c.runStamp && el('x:runStamp', {}, c.runStamp),
      versionNode('x:winnerVersion', c.winnerVersion, c.key, ctx),
      versionNode('x:loserVersion', c.loserVersion, c.key, ctx),
    ),
  );
}

export async function getConflicts(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  const { db } = ctx.endpoint;
  if (ctx.path.serviceArg !== undefined) {
    const c = await findConflict(db, ctx.endpoint.id, conflictIdOf(ctx));
    if (!c) throw notFound(ctx.path.serviceArg);
    sendXml(res, 200, ENTRY_TYPE, renderXml(asDocumentRoot(conflictEntry(c, ctx))));
    return;
  }
  const status = filterOf(req, 'status', STATUSES);
  const where = whereOf(req, tableSchema('$conflicts', CONFLICT_COLUMNS));
  await sendListFeed(req, res, ctx, {
    service: '$conflicts',
    title: `Conflicts at ${ctx.endpoint.url}`,
    filter: { status, where: filterOf(req, 'where') },
    list: (page) => listConflicts(db, ctx.endpoint.id, { status, where, ...page }),
    entry: (c) => conflictEntry(c, ctx),
  });
}

function conflictIdOf(ctx: ServiceContext): number {
  const arg = ctx.path.serviceArg ?? '';
  const id = boundedIntegerOf(arg, 1);
  if (id === undefined) throw notFound(arg);
  return id;
}

function notFound(id: string): SDataError {
  return new SDataError(404, { sdataCode: 'ResourceNotFound', message: `no conflict '${id}' at this endpoint` });
}

/** `keep` or `dismiss`, from `?action=` or an `<x:action>` in the body. */
function actionOf(req: Request, limits: XmlLimits): 'keep' | 'dismiss' {
  let action = typeof req.query.action === 'string' ? req.query.action : undefined;
  const body = typeof req.body === 'string' ? req.body.trim() : '';
  if (!action && body) {
    const root = parseXml(body, { limits });
    action = childText(root, NS.x, 'action') ?? root.text.trim();
  }
  if (action !== 'keep' && action !== 'dismiss') {
    throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'BadResolveAction', message: "say action=keep (keep the parked version) or action=dismiss" });
  }
  return action;
}

export async function resolveConflict(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  if (ctx.path.action !== '$resolve') {
    throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: 'POST $conflicts(\'ID\')/$resolve' });
  }
  const action = actionOf(req, ctx.runtime.cfg.xml);
  const user = requestUser(res);
  const { db } = ctx.endpoint;
  const id = conflictIdOf(ctx);
  const resolved = await db.transaction(async (trx) => {
    const c = await findConflict(trx, ctx.endpoint.id, id);
    if (!c) throw notFound(String(id));
    if (c.status !== 'open') {
      throw new SDataError(409, { sdataCode: 'Conflict', applicationCode: 'AlreadyResolved', message: `conflict ${id} was already ${c.status}` });
    }
    if (action === 'keep') {
      const { table } = ctx.endpoint;
      // A table-backed endpoint: the application's row, then the clock, then its log folded (as a local change).
      if (table) await lockAppRows(trx, table, [c.uuid]);
      const { first, stamp } = await takeTicks(trx, ctx.endpoint.id, 1);
      await foldCapturedChanges(trx, table);
      await refuseLockedUuids(trx, ctx.endpoint.id, [c.uuid]);
      const current = (await loadVersionsByUuid(trx, ctx.endpoint.id, [c.uuid])).get(c.uuid);
      const loser = c.loserVersion;
      const kept = { key: current?.key ?? c.key, uuid: c.uuid, values: loser.values, deleted: loser.deleted };
      if (table) await writeAppRowsOrRefuse(trx, table, [kept]);
      await writeVersions(trx, ctx.endpoint.id, [
        {
          ...kept,
          state: { endpoint: ctx.endpoint.url, tick: first, stamp, ...(user ? { user } : {}) },
          knowledge: knowledgeOnRestamp(current?.knowledge, loser.knowledge),
        },
      ]);
    }
    await decideConflict(trx, id, action === 'keep' ? 'kept' : 'dismissed');
    return (await findConflict(trx, ctx.endpoint.id, id))!;
  });
  sendXml(res, 200, ENTRY_TYPE, renderXml(asDocumentRoot(conflictEntry(resolved, ctx))));
}
