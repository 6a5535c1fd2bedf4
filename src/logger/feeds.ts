/**
 * The logger's Atom feeds: run records (`/logs/runs`) and events (`/logs/events`), paged with opensearch
 * elements and first/next/previous/last links. Run metadata is written in the `x:` extension namespace;
 * each event entry holds its `sdata:diagnosis`.
 */
import { diagnosisNode } from '../atom/diagnosisXml';
import { feedNode, pagingLinks, textContentNode } from '../atom/feed';
import { el, renderXml, type XNode } from '../atom/write';
import type { EventRecord, RunKey, RunRecord } from './records';

export interface FeedPage {
  base: string;
  params: Record<string, string>;
  startIndex: number;
  count: number;
  total: number;
}

function runKeyNodes(r: RunKey): XNode[] {
  return [el('x:runName', {}, r.runName), el('x:runStamp', {}, r.runStamp), el('x:source', {}, r.source), el('x:target', {}, r.target), el('x:kind', {}, r.kind)];
}

function runEntry(base: string, r: RunRecord): XNode {
  const title = `${r.runName} ${r.kind}: ${r.source} -> ${r.target} (${r.state})`;
  return el(
    'entry',
    {},
    el('id', {}, `${base}('${r.id}')`),
    el('title', {}, title),
    el('updated', {}, r.lastReceivedAt),
    textContentNode(`${title}: ${r.created} created, ${r.updated} updated, ${r.deleted} deleted, ${r.conflicts} conflicts, ${r.failed} failed, ${r.skipped} skipped`),
    el(
      'x:run',
      {},
      el('x:id', {}, r.id),
      ...runKeyNodes(r),
      el('x:state', {}, r.state),
      el('x:startedAt', {}, r.startedAt),
      el('x:lastReceivedAt', {}, r.lastReceivedAt),
      el('x:durationSeconds', {}, r.durationSeconds),
      el('x:pages', {}, r.pages),
      el('x:entriesRead', {}, r.entriesRead),
      el('x:entriesWritten', {}, r.entriesWritten),
      el('x:created', {}, r.created),
      el('x:updated', {}, r.updated),
      el('x:deleted', {}, r.deleted),
      el('x:failed', {}, r.failed),
      el('x:conflicts', {}, r.conflicts),
      el('x:skipped', {}, r.skipped),
      r.totalResults !== undefined && el('x:totalResults', {}, r.totalResults),
      r.pending !== undefined && el('x:pending', {}, r.pending),
      r.votes && el('x:votes', {}, ...r.votes.map((v) => el('x:vote', {}, el('x:target', {}, v.target), el('x:answer', {}, v.vote), el('x:outcome', {}, v.outcome)))),
    ),
  );
}

function eventEntry(base: string, e: EventRecord): XNode {
  return el(
    'entry',
    {},
    el('id', {}, `${base}('${e.id}')`),
    el('title', {}, `${e.severity} ${e.applicationCode ?? e.sdataCode}: ${e.message}`),
    el('updated', {}, e.receivedAt),
    textContentNode(`${e.severity} ${e.applicationCode ?? e.sdataCode}: ${e.message}${e.location !== undefined ? ` (${e.location})` : ''}`),
    e.location !== undefined && el('link', { rel: 'related', href: e.location }),
    el('x:run', {}, el('x:id', {}, e.runId), ...runKeyNodes(e.run)),
    el(
      'x:resultEntry',
      {},
      e.entryId !== undefined && el('x:id', {}, e.entryId),
      e.uuid !== undefined && el('x:uuid', {}, e.uuid),
      e.httpStatus !== undefined && el('x:httpStatus', {}, e.httpStatus),
      e.httpMethod !== undefined && el('x:httpMethod', {}, e.httpMethod),
      e.location !== undefined && el('x:location', {}, e.location),
    ),
    diagnosisNode(e),
  );
}

function feedDocument(title: string, page: FeedPage, entries: XNode[]): string {
  return renderXml(
    feedNode({
      id: page.base,
      title,
      updated: new Date().toISOString(),
      links: pagingLinks(page.base, page.params, page.startIndex, page.count, page.total),
      totalResults: page.total,
      startIndex: page.startIndex,
      itemsPerPage: page.count,
      entries,
    }),
  );
}

export function runsFeed(page: FeedPage, runs: RunRecord[]): string {
  return feedDocument('Sync runs', page, runs.map((r) => runEntry(page.base, r)));
}

export function eventsFeed(page: FeedPage, events: EventRecord[]): string {
  return feedDocument('Sync events', page, events.map((e) => eventEntry(page.base, e)));
}
