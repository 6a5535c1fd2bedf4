/**
 * What the end-to-end tests do over HTTP, as an integrator would: write resources (single POST/PUT/DELETE
 * and $batch), read a whole endpoint by UUID, read digests, and read the event logger's feeds.
 */
import { parseDigestDocument } from '../../../src/atom/digestXml';
import { NS } from '../../../src/atom/namespaces';
import { attr, child, childrenNamed, childText, parseXml, type XmlElement } from '../../../src/atom/xml';
import { serviceUrl, withParams } from '../../../src/protocol/serviceUrl';
import type { Digest } from '../../../src/protocol/types';

export const DEMO_NS = 'urn:sdata-sync:demo';

async function call(method: string, url: string, body?: string): Promise<{ status: number; text: string; location?: string }> {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/atom+xml;type=entry' } : {}, body });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') ?? undefined };
}

function ok(r: { status: number; text: string }, what: string): void {
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 600)}`);
}

export type Values = Record<string, string>;

/** `<element>` with a child per value; a value `{ref: uuid}` is written as a reference. */
function payloadXml(element: string, values: Record<string, string | { ref: string }>, key?: string): string {
  const props = Object.entries(values)
    .map(([k, v]) => (typeof v === 'string' ? `<${k}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${k}>` : `<${k} sdata:uuid="${v.ref}"/>`))
    .join('');
  return `<${element} xmlns="${DEMO_NS}"${key ? ` sdata:key="${key}"` : ''}>${props}</${element}>`;
}

function entryXml(element: string, values: Record<string, string | { ref: string }>, key?: string): string {
  return `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload>${payloadXml(element, values, key)}</sdata:payload></entry>`;
}

/** Creates resources with given keys through $batch (1,000 a batch). */
export async function batchCreate(endpoint: string, element: string, items: { key: string; values: Record<string, string | { ref: string }> }[]): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) {
    const entries = items
      .slice(i, i + 1000)
      .map((it) => `<entry><http:httpMethod>POST</http:httpMethod><sdata:payload>${payloadXml(element, it.values, it.key)}</sdata:payload></entry>`)
      .join('');
    const r = await call('POST', `${endpoint}/$batch`, `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}">${entries}</feed>`);
    ok(r, `$batch ${endpoint}`);
    const failed = /<http:httpStatus>([45]\d\d)</.exec(r.text);
    if (failed) throw new Error(`$batch ${endpoint}: an entry answered ${failed[1]}: ${r.text.slice(0, 600)}`);
  }
}

/** The `http:etag` of an answered entry (it names the version: a hash of its sync state). */
function etagOfAnswer(text: string): string {
  return childText(parseXml(text), NS.http, 'etag') ?? '';
}

/** Creates a resource; answers the new version's ETag. */
export async function create(endpoint: string, element: string, values: Record<string, string | { ref: string }>, key?: string): Promise<string> {
  const r = await call('POST', endpoint, entryXml(element, values, key));
  ok(r, `POST ${endpoint}`);
  return etagOfAnswer(r.text);
}

/** Replaces a resource; answers the new version's ETag. */
export async function update(endpoint: string, key: string, element: string, values: Record<string, string | { ref: string }>): Promise<string> {
  const r = await call('PUT', `${endpoint}('${encodeURIComponent(key)}')`, entryXml(element, values, key));
  ok(r, `PUT ${endpoint}('${key}')`);
  return etagOfAnswer(r.text);
}

export async function remove(endpoint: string, key: string): Promise<void> {
  ok(await call('DELETE', `${endpoint}('${encodeURIComponent(key)}')`), `DELETE ${endpoint}('${key}')`);
}

export interface StoredResource {
  key: string;
  uuid: string;
  /** The version held (`http:etag`). */
  etag: string;
  values: Values;
}

function resourceOf(entry: XmlElement): StoredResource | undefined {
  const payload = child(entry, NS.sdata, 'payload');
  const el = payload?.children[0];
  if (!el) return undefined;
  const values: Values = {};
  for (const c of el.children) values[c.name] = attr(c, NS.sdata, 'uuid') ?? c.text;
  return { key: attr(el, NS.sdata, 'key') ?? '', uuid: attr(el, NS.sdata, 'uuid') ?? '', etag: childText(entry, NS.http, 'etag') ?? '', values };
}

/** Every live resource of an endpoint, a partition's (`{kind URL}?where=...`) included (paged reads with includeUuid). */
export async function readAll(endpoint: string): Promise<StoredResource[]> {
  const out: StoredResource[] = [];
  for (let start = 1; ; start += 500) {
    const r = await call('GET', withParams(endpoint, { includeUuid: 'true', startIndex: start, count: 500 }));
    ok(r, `GET ${endpoint}`);
    const entries = childrenNamed(parseXml(r.text), NS.atom, 'entry');
    for (const e of entries) {
      const res = resourceOf(e);
      if (res) out.push(res);
    }
    if (entries.length < 500) return out;
  }
}

/** The live resources of an endpoint keyed by UUID, values only (keys differ between applications). */
export async function valuesByUuid(endpoint: string): Promise<Map<string, Values>> {
  const all = await readAll(endpoint);
  const map = new Map(all.map((r) => [r.uuid, r.values]));
  if (map.size !== all.length) throw new Error(`${endpoint} holds ${all.length} resources for ${map.size} UUIDs (duplicates)`);
  return map;
}

export async function digestOf(endpoint: string): Promise<Digest> {
  const r = await call('GET', serviceUrl(endpoint, '$syncDigest'));
  ok(r, `GET ${serviceUrl(endpoint, '$syncDigest')}`);
  return parseDigestDocument(parseXml(r.text));
}

export interface LoggedRun {
  id: number;
  runName: string;
  runStamp: string;
  source: string;
  target: string;
  kind: string;
  state: string;
  startedAt: string;
  lastReceivedAt: string;
  pages: number;
  entriesRead: number;
  failed: number;
  created: number;
  updated: number;
  deleted: number;
  conflicts: number;
  /** A distribution's record: every target's vote and outcome. */
  votes: { target: string; vote: string; outcome: string }[];
}

/** Run records of the event logger (every page of its feed). */
export async function loggedRuns(loggerUrl: string, filter: Record<string, string> = {}): Promise<LoggedRun[]> {
  const out: LoggedRun[] = [];
  for (let start = 1; ; start += 500) {
    const q = new URLSearchParams({ ...filter, startIndex: String(start), count: '500' });
    const r = await call('GET', `${loggerUrl}/logs/runs?${q}`);
    ok(r, 'GET /logs/runs');
    const entries = childrenNamed(parseXml(r.text), NS.atom, 'entry');
    for (const e of entries) {
      const run = child(e, NS.x, 'run');
      const t = (n: string) => childText(run, NS.x, n) ?? '';
      out.push({
        id: Number(t('id')),
        runName: t('runName'),
        runStamp: t('runStamp'),
        source: t('source'),
        target: t('target'),
        kind: t('kind'),
        state: t('state'),
        startedAt: t('startedAt'),
        lastReceivedAt: t('lastReceivedAt'),
        pages: Number(t('pages')),
        entriesRead: Number(t('entriesRead')),
        failed: Number(t('failed')),
        created: Number(t('created')),
        updated: Number(t('updated')),
        deleted: Number(t('deleted')),
        conflicts: Number(t('conflicts')),
        votes: childrenNamed(child(run, NS.x, 'votes') ?? run, NS.x, 'vote').map((v) => ({
          target: childText(v, NS.x, 'target') ?? '',
          vote: childText(v, NS.x, 'answer') ?? '',
          outcome: childText(v, NS.x, 'outcome') ?? '',
        })),
      });
    }
    if (entries.length < 500) return out;
  }
}

export interface LoggedEvent {
  severity: string;
  applicationCode?: string;
  message: string;
  uuid?: string;
  httpStatus?: string;
  requestId?: string;
}

export async function loggedEvents(loggerUrl: string, filter: Record<string, string>): Promise<{ total: number; events: LoggedEvent[] }> {
  const r = await call('GET', `${loggerUrl}/logs/events?${new URLSearchParams({ count: '1000', ...filter })}`);
  ok(r, 'GET /logs/events');
  const feed = parseXml(r.text);
  const events = childrenNamed(feed, NS.atom, 'entry').map((e) => {
    const d = child(e, NS.sdata, 'diagnosis');
    const re = child(e, NS.x, 'resultEntry');
    return {
      severity: childText(d, NS.sdata, 'severity') ?? '',
      applicationCode: childText(d, NS.sdata, 'applicationCode'),
      message: childText(d, NS.sdata, 'message') ?? '',
      uuid: childText(re, NS.x, 'uuid'),
      httpStatus: childText(re, NS.x, 'httpStatus'),
      requestId: childText(d, NS.x, 'requestId'),
    };
  });
  return { total: Number(childText(feed, NS.opensearch, 'totalResults') ?? '0'), events };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the check answers true (or throws after the timeout). */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMillis = 30_000, everyMillis = 50): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(everyMillis);
  }
  throw new Error(`timed out waiting until ${what}`);
}
