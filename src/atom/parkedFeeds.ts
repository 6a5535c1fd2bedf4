/**
 * Reading an endpoint's `$conflicts` and `$failures` feeds (written by endpoint/sync/conflicts.ts and
 * failures.ts) into plain views a person reads: both versions of a conflict with their payload fields as
 * text, a quarantined entry with its diagnoses. A field of the payload is its element's text; a reference
 * (an element with `sdata:uuid` and no text) reads as `ref <uuid>`; nested rows as their fields joined.
 */
import type { Diagnosis } from '../protocol/diagnosis';
import type { SyncState } from '../protocol/types';
import { NS } from './namespaces';
import { parseSyncState } from './syncEntry';
import { diagnosesIn } from './diagnosisXml';
import { attr, child, childText, childrenNamed, parseXml, type XmlElement, type XmlLimits } from './xml';

interface ParkedVersion {
  state: SyncState;
  deleted: boolean;
  values: Record<string, string>;
}

export interface ParkedConflict {
  /** The conflict's id at its endpoint (the ID of `$conflicts('ID')`). */
  id: string;
  status: string;
  winner: string;
  reason: string;
  uuid: string;
  /** The resource's URL at the endpoint. */
  resource?: string;
  createdAt: string;
  runName?: string;
  winnerVersion: ParkedVersion;
  loserVersion: ParkedVersion;
}

export interface QuarantinedEntryView {
  /** The entry's id at its endpoint (the ID of `$failures('ID')`). */
  id: string;
  status: string;
  attempts: number;
  uuid?: string;
  entryId?: string;
  createdAt: string;
  runName?: string;
  diagnoses: Diagnosis[];
  /** The entry's payload as its source sent it: each property's text (a nested one flattened); absent for a deletion or none. */
  payload?: Record<string, string>;
}

export interface ListedFeed<T> {
  total: number;
  items: T[];
}

const ID_IN_URL = /\('(\d+)'\)$/;

function idOf(entry: XmlElement): string {
  const id = childText(entry, NS.atom, 'id') ?? '';
  return ID_IN_URL.exec(id)?.[1] ?? id;
}

function textOf(e: XmlElement): string {
  if (e.children.length === 0) {
    const ref = attr(e, NS.sdata, 'uuid');
    return e.text.trim() === '' && ref ? `ref ${ref}` : e.text.trim();
  }
  return e.children.map((c) => `${c.name}: ${textOf(c)}`).join('; ');
}

function payloadValues(resource: XmlElement | undefined): Record<string, string> | undefined {
  return resource && Object.fromEntries(resource.children.map((c) => [c.name, textOf(c)] as const));
}

function versionOf(v: XmlElement | undefined, at: string): ParkedVersion {
  const s = child(v, NS.sync, 'syncState');
  if (!v || !s) throw new Error(`${at} has no sync:syncState`);
  const resource = child(v, NS.sdata, 'payload')?.children[0];
  const deleted = !resource || attr(resource, NS.sdata, 'isDeleted') === 'true';
  const values = payloadValues(resource) ?? {};
  return { state: parseSyncState(s, at).state, deleted, values };
}

function totalOf(root: XmlElement): number {
  const t = Number(childText(root, NS.opensearch, 'totalResults'));
  return Number.isFinite(t) ? t : childrenNamed(root, NS.atom, 'entry').length;
}

export function parseConflictFeed(xml: string, limits?: XmlLimits): ListedFeed<ParkedConflict> {
  const root = parseXml(xml, { limits });
  const items = childrenNamed(root, NS.atom, 'entry').map((entry, i) => {
    const c = child(entry, NS.x, 'conflict');
    const related = childrenNamed(entry, NS.atom, 'link').find((l) => attr(l, '', 'rel') === 'related');
    return {
      id: idOf(entry),
      status: childText(c, NS.x, 'status') ?? '',
      winner: childText(c, NS.x, 'winner') ?? '',
      reason: childText(c, NS.x, 'reason') ?? '',
      uuid: childText(c, NS.x, 'uuid') ?? '',
      resource: related ? attr(related, '', 'href') : undefined,
      createdAt: childText(c, NS.x, 'createdAt') ?? '',
      runName: childText(c, NS.x, 'runName'),
      winnerVersion: versionOf(child(c, NS.x, 'winnerVersion'), `entry[${i + 1}]/winnerVersion`),
      loserVersion: versionOf(child(c, NS.x, 'loserVersion'), `entry[${i + 1}]/loserVersion`),
    };
  });
  return { total: totalOf(root), items };
}

export function parseFailureFeed(xml: string, limits?: XmlLimits): ListedFeed<QuarantinedEntryView> {
  const root = parseXml(xml, { limits });
  const items = childrenNamed(root, NS.atom, 'entry').map((entry) => {
    const f = child(entry, NS.x, 'failure');
    return {
      id: idOf(entry),
      status: childText(f, NS.x, 'status') ?? '',
      attempts: Number(childText(f, NS.x, 'attempts') ?? 0),
      uuid: childText(f, NS.x, 'uuid'),
      entryId: childText(f, NS.x, 'entryId'),
      createdAt: childText(f, NS.x, 'createdAt') ?? '',
      runName: childText(f, NS.x, 'runName'),
      diagnoses: diagnosesIn(entry),
      payload: payloadValues(child(entry, NS.sdata, 'payload')?.children[0]),
    };
  });
  return { total: totalOf(root), items };
}
