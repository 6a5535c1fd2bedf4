/**
 * `$conflicts` (EXT): the parked conflicts of an endpoint as an Atom feed or SData JSON (both versions with
 * payload and sync state, which won and why, when, the run), and `$conflicts('ID')/$resolve` to keep the parked losing
 * version instead (written as a new local change, so it propagates) or to dismiss it: `?action=`, or a body
 * `<x:action>keep</x:action>` or `{ "action": "keep" }`.
 */
import type { Request, Response } from 'express';
import { el, type XNode } from '../../atom/write';
import { payloadNode } from '../../atom/payloadWrite';
import type { ResourceValues } from '../../protocol/propertyValues';
import { keyUrl } from '../../atom/resourceXml';
import { syncStateNode } from '../../atom/syncFeed';
import { parseXml, childText, type XmlLimits } from '../../atom/xml';
import { NS } from '../../atom/namespaces';
import { textContentNode } from '../../atom/feed';
import { SDataError } from '../../protocol/diagnosis';
import { knowledgeOnRestamp } from '../../protocol/knowledge';
import type { StoredVersion } from '../../protocol/pagePlan';
import { conflictTable, decideConflict, type ConflictRecord, type ConflictStatus } from '../../store/conflicts';
import { takeTicks } from '../../store/clock';
import { refuseLockedUuids } from '../../store/preparedBatches';
import { loadVersionsByUuid, writeVersions } from '../../store/versions';
import { refuseLinkedElsewhere } from '../../store/links';
import { lockAppRows, writeAppRowsOrRefuse } from '../../store/tableBacked/appRows';
import { foldCapturedChanges } from '../../store/tableBacked/fold';
import { requestUser } from '../../security/accessControl';
import type { ServiceContext } from '../serviceContext';
import type { JsonObject } from '../../json/feedJson';
import { versionPayloadJson } from '../../json/resourceJson';
import { syncStateJson } from '../../json/syncStateJson';
import { parseJsonBody } from '../../json/jsonBody';
import { isObject } from '../../json/resourceJson';
import { isJsonBody } from '../format';
import { findItem, getListed, itemIdOf, itemUrl, openItem, requireAction, sendItem, type ListedService } from './listedService';

function versionNode(tag: string, v: StoredVersion, key: string, ctx: ServiceContext): XNode {
  const url = keyUrl(ctx.endpoint.url, key);
  return el(
    tag,
    {},
    syncStateNode(v.state, v.knowledge),
    el('sdata:payload', {}, payloadNode({ key, uuid: v.uuid, url, values: v.values as ResourceValues, deleted: v.deleted }, ctx.endpoint.def.kind, ctx.endpoint.def.app)),
  );
}

function conflictTitle(c: ConflictRecord, ctx: ServiceContext): string {
  return `Conflict on ${keyUrl(ctx.endpoint.url, c.key)}: ${c.winner === 'source' ? 'incoming' : 'local'} version won`;
}

function conflictEntry(c: ConflictRecord, ctx: ServiceContext): XNode {
  const title = conflictTitle(c, ctx);
  return el(
    'entry',
    {},
    el('id', {}, itemUrl(ctx, '$conflicts', c.id)),
    el('title', {}, title),
    el('updated', {}, c.decidedAt ?? c.createdAt),
    textContentNode(`${title} (${c.reason}); ${c.status}`),
    el('link', { rel: 'self', href: itemUrl(ctx, '$conflicts', c.id) }),
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

function versionJson(v: StoredVersion, key: string, ctx: ServiceContext): JsonObject {
  const url = keyUrl(ctx.endpoint.url, key);
  return { syncState: syncStateJson(v.state, v.knowledge), payload: versionPayloadJson({ key, uuid: v.uuid, url, values: v.values as ResourceValues, deleted: v.deleted }, ctx.endpoint.def.kind) };
}

/** The conflict in SData JSON: the fields of its `x:conflict` by their local names, the resource's URL as `resource`. */
function conflictJson(c: ConflictRecord, ctx: ServiceContext): JsonObject {
  return {
    $url: itemUrl(ctx, '$conflicts', c.id),
    $key: String(c.id),
    $descriptor: `${conflictTitle(c, ctx)} (${c.reason}); ${c.status}`,
    $updated: c.decidedAt ?? c.createdAt,
    resource: keyUrl(ctx.endpoint.url, c.key),
    status: c.status,
    winner: c.winner,
    reason: c.reason,
    uuid: c.uuid,
    createdAt: c.createdAt,
    ...(c.decidedAt ? { decidedAt: c.decidedAt } : {}),
    ...(c.runName ? { runName: c.runName } : {}),
    ...(c.runStamp ? { runStamp: c.runStamp } : {}),
    winnerVersion: versionJson(c.winnerVersion, c.key, ctx),
    loserVersion: versionJson(c.loserVersion, c.key, ctx),
  };
}

const CONFLICTS: ListedService<ConflictRecord, ConflictStatus> = {
  service: '$conflicts',
  action: '$resolve',
  itemName: 'conflict',
  title: 'Conflicts',
  statuses: ['open', 'kept', 'dismissed'],
  table: conflictTable,
  notOpen: { applicationCode: 'AlreadyResolved', verb: 'was' },
  entry: conflictEntry,
  json: conflictJson,
};

export async function getConflicts(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  await getListed(req, res, ctx, CONFLICTS);
}

/** The action a body names: `{ "action": "keep" }` in JSON, `<x:action>keep</x:action>` in XML. */
function actionInBody(req: Request, body: string, limits: XmlLimits): unknown {
  if (isJsonBody(req)) {
    const json = parseJsonBody(body);
    return isObject(json) ? json.action : undefined;
  }
  const root = parseXml(body, { limits });
  return childText(root, NS.x, 'action') ?? root.text.trim();
}

/** `keep` or `dismiss`, from `?action=` or the body. */
function actionOf(req: Request, limits: XmlLimits): 'keep' | 'dismiss' {
  let action: unknown = typeof req.query.action === 'string' ? req.query.action : undefined;
  const body = typeof req.body === 'string' ? req.body.trim() : '';
  if (!action && body) action = actionInBody(req, body, limits);
  if (action !== 'keep' && action !== 'dismiss') {
    throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'BadResolveAction', message: "say action=keep (keep the parked version) or action=dismiss" });
  }
  return action;
}

export async function resolveConflict(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  requireAction(ctx, CONFLICTS);
  const action = actionOf(req, ctx.runtime.cfg.xml);
  const user = requestUser(res);
  const { db } = ctx.endpoint;
  const id = itemIdOf(ctx, CONFLICTS);
  const resolved = await db.transaction(async (trx) => {
    const c = await openItem(trx, ctx, CONFLICTS, id);
    if (action === 'keep') {
      const { table } = ctx.endpoint;
      // A table-backed endpoint: the application's row, then the clock, then its log folded (as a local change).
      if (table) await lockAppRows(trx, table, [c.uuid]);
      const { first, stamp } = await takeTicks(trx, ctx.endpoint.id, 1);
      await foldCapturedChanges(trx, table);
      await refuseLockedUuids(trx, ctx.endpoint.id, [c.uuid]);
      const current = (await loadVersionsByUuid(trx, ctx.endpoint.id, [c.uuid])).get(c.uuid);
      // An ambiguous link (PROTOCOL.md 2.8) is parked with a local resource that has not the UUID: keeping it
      // links that resource, unless it was linked to another UUID since.
      if (!current) await refuseLinkedElsewhere(trx, ctx.endpoint.id, c.key, c.uuid);
      // ...or unless another candidate took the UUID since (a sibling conflict kept): the parked key is not its holder.
      else if (c.key && current.key !== c.key) {
        throw new SDataError(409, {
          sdataCode: 'Conflict',
          applicationCode: 'UuidExists',
          message: `UUID ${c.uuid} is held by the resource '${current.key}' since this conflict was parked with '${c.key}': dismiss it, or unlink '${current.key}' first`,
        });
      }
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
    return findItem(trx, ctx, CONFLICTS, id);
  });
  sendItem(req, res, ctx, CONFLICTS, resolved);
}
