/**
 * The `$syncTarget` result feed (PROTOCOL.md 3.2): one entry per entry of the page applied, in page order.
 * The engine forwards it to event loggers and `$syncResults`, adding the run's metadata.
 *
 *   <feed xmlns="…Atom" xmlns:sdata xmlns:http xmlns:x …>
 *     <id>{ep}/$syncTarget('UUID')</id> <title/> <updated/> <link rel="self"/> <link rel="first"/>
 *     <x:runName/> <x:runStamp/> <x:source/> <x:target/> <x:kind/>     each when known
 *     <x:summary><x:created/> <x:updated/> <x:deleted/> <x:conflicts/> <x:failures/> <x:skipped/>
 *                <x:warnings/></x:summary>          the entries counted (EXT; readers of the head need no more)
 *     <sdata:diagnosis>…</sdata:diagnosis>                              feed-level, e.g. a catch-up gap Warning
 *     <entry>
 *       <id>{the page entry's id}</id> <title/> <updated/> <x:uuid/>
 *       <http:httpMethod>POST | PUT | DELETE</http:httpMethod>        what the target did, when it changed data
 *       <http:httpStatus>201</http:httpStatus> <http:httpMessage>Created</http:httpMessage>
 *       <http:location>{ep}('K')</http:location> <http:etag/>
 *       <sdata:diagnosis>…</sdata:diagnosis>                          failures, conflicts (which side won), skips,
 *                                                                     properties left out (IgnoredProperty)
 *     </entry>
 *   </feed>
 *
 * `summariseResults` is the one place that turns entries into counts (see there). The counts are written in
 * the feed's head, so the engine reads a page's outcome from the head alone (`readResultSummary`) and parses
 * the entries only of a feed without a summary (a target that is not this product).
 */
import { SDataError, type Diagnosis } from '../protocol/diagnosis';
import { diagnosesIn, diagnosisNode, outcomeContentNode } from './diagnosisXml';
import { FEED_TYPE, feedNode } from './feed';
import { parseFeedHead } from './feedHeadXml';
import { NS } from './namespaces';
import { isEntryElement } from './resourceXml';
import { el, renderFeedXml, type XNode } from './write';
import { childText, parseXml, type XmlElement, type XmlLimits } from './xml';

type ResultMethod = 'POST' | 'PUT' | 'DELETE';

/** What the target did with one entry of the page. */
export interface ResultEntry {
  /** The page entry's `<id>` ({ep}('K') at the source). */
  id?: string;
  uuid?: string;
  httpStatus: number;
  httpMessage: string;
  /** POST created, PUT updated, DELETE deleted; absent when nothing changed. */
  httpMethod?: ResultMethod;
  /** The resource at the target, `{ep}('K')`. */
  location?: string;
  etag?: string;
  diagnoses: Diagnosis[];
}

/** Run metadata written as `x:` elements (the engine adds it for loggers). */
export interface ResultRunMetadata {
  runName?: string;
  runStamp?: string;
  /** Source endpoint URL. */
  source?: string;
  /** Target endpoint URL. */
  target?: string;
  /** Resource kind name. */
  kind?: string;
}

export interface ResultFeed extends ResultRunMetadata {
  id: string;
  title?: string;
  updated: string;
  entries: ResultEntry[];
  /** Feed-level diagnoses (e.g. a catch-up gap Warning). */
  diagnoses?: Diagnosis[];
}

const RUN_FIELDS = ['runName', 'runStamp', 'source', 'target', 'kind'] as const;
const METHODS: readonly string[] = ['POST', 'PUT', 'DELETE'];

/** An entry without the page entry's id is named by its place in the feed (an Atom entry MUST have an id). */
function resultEntryNode(r: ResultEntry, updated: string, feedId: string, position: number): XNode {
  const title = `${r.httpMethod ? `${r.httpMethod} ` : ''}${r.httpStatus} ${r.httpMessage}`.trim();
  return el(
    'entry',
    undefined,
    el('id', undefined, r.id ?? `${feedId}#${position}`),
    el('title', undefined, title),
    el('updated', undefined, updated),
    outcomeContentNode(title, r.diagnoses),
    r.uuid !== undefined && el('x:uuid', undefined, r.uuid),
    r.httpMethod !== undefined && el('http:httpMethod', undefined, r.httpMethod),
    el('http:httpStatus', undefined, r.httpStatus),
    el('http:httpMessage', undefined, r.httpMessage),
    r.location !== undefined && el('http:location', undefined, r.location),
    r.etag !== undefined && el('http:etag', undefined, r.etag),
    ...r.diagnoses.map(diagnosisNode),
  );
}

/** The result feed as an XML document. */
export function buildResultFeed(r: ResultFeed): string {
  const link = (rel: string) => ({ rel, href: r.id, type: FEED_TYPE });
  return renderFeedXml(
    feedNode({
      id: r.id,
      title: r.title ?? '',
      updated: r.updated,
      links: [link('self'), link('first')],
      extra: [...RUN_FIELDS.map((f) => r[f] !== undefined && el(`x:${f}`, undefined, r[f])), summaryNode(summariseResults(r.entries)), ...(r.diagnoses ?? []).map(diagnosisNode)],
      entries: r.entries.map((e, i) => resultEntryNode(e, r.updated, r.id, i + 1)),
    }),
  );
}

function invalidResultFeed(message: string, payloadPath: string): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidResultFeed', message, payloadPath });
}

function parseResultEntry(e: XmlElement, index: number): ResultEntry {
  const at = `entry[${index}]`;
  const statusText = childText(e, NS.http, 'httpStatus');
  if (statusText === undefined || !/^\d{3}$/.test(statusText)) {
    throw invalidResultFeed(statusText === undefined ? 'the entry has no http:httpStatus' : `http:httpStatus '${statusText}' is not an HTTP status`, `${at}/httpStatus`);
  }
  const r: ResultEntry = { httpStatus: Number(statusText), httpMessage: childText(e, NS.http, 'httpMessage') ?? '', diagnoses: diagnosesIn(e) };
  const method = childText(e, NS.http, 'httpMethod')?.toUpperCase();
  if (method) {
    if (!METHODS.includes(method)) throw invalidResultFeed(`http:httpMethod '${method}' is not POST, PUT or DELETE`, `${at}/httpMethod`);
    r.httpMethod = method as ResultMethod;
  }
  const id = childText(e, NS.atom, 'id') ?? childText(e, '', 'id');
  if (id) r.id = id;
  const optional = [
    ['uuid', childText(e, NS.x, 'uuid')],
    ['location', childText(e, NS.http, 'location')],
    ['etag', childText(e, NS.http, 'etag')],
  ] as const;
  for (const [name, value] of optional) if (value) r[name] = value;
  return r;
}

/** Reads a result feed; 400 `InvalidResultFeed` when it is not a feed or an entry has no usable status. */
export function parseResultFeed(text: string, limits?: XmlLimits): ResultFeed {
  const root = parseXml(text, { limits });
  if (root.name !== 'feed' || (root.ns !== NS.atom && root.ns !== '')) {
    throw invalidResultFeed(`expected an Atom <feed>, not <${root.name}>`, 'feed');
  }
  const feed: ResultFeed = {
    id: childText(root, NS.atom, 'id') ?? '',
    updated: childText(root, NS.atom, 'updated') ?? '',
    entries: root.children.filter(isEntryElement).map((e, i) => parseResultEntry(e, i + 1)),
  };
  const title = childText(root, NS.atom, 'title');
  if (title) feed.title = title;
  for (const f of RUN_FIELDS) {
    const v = childText(root, NS.x, f);
    if (v) feed[f] = v;
  }
  const diagnoses = diagnosesIn(root);
  if (diagnoses.length > 0) feed.diagnoses = diagnoses;
  return feed;
}

/**
 * Entries of a result feed counted by what happened to them; the six counts from `created` to `skipped` add
 * up to the entries. `warnings` counts across them (an entry applied with a warning is in `updated` too).
 */
export interface ResultSummary {
  created: number;
  updated: number;
  deleted: number;
  conflicts: number;
  failures: number;
  skipped: number;
  warnings: number;
}

/**
 * Counts result entries, each in exactly one bucket, the first that matches:
 *   failures   httpStatus >= 400 (a refused or quarantined entry, whatever its diagnoses)
 *   conflicts  a diagnosis with applicationCode `Conflict` (either side won; the loser is parked)
 *   skipped    anything that changed nothing: 304, a diagnosis `Skipped`, or no POST/PUT/DELETE method
 *   deleted    httpMethod DELETE
 *   created    httpMethod POST
 *   updated    httpMethod PUT
 * and, besides its bucket, counts in `warnings` an entry not refused (httpStatus < 400) that carries a Warning
 * other than a conflict's: a property the target does not know, left out of the payload (`IgnoredProperty`).
 */
export function summariseResults(entries: readonly ResultEntry[]): ResultSummary {
  const s: ResultSummary = { created: 0, updated: 0, deleted: 0, conflicts: 0, failures: 0, skipped: 0, warnings: 0 };
  for (const e of entries) {
    const has = (code: string) => e.diagnoses.some((d) => d.applicationCode === code);
    if (e.httpStatus < 400 && e.diagnoses.some((d) => d.severity === 'Warning' && d.applicationCode !== 'Conflict')) s.warnings += 1;
    if (e.httpStatus >= 400) s.failures += 1;
    else if (has('Conflict')) s.conflicts += 1;
    else if (e.httpStatus === 304 || has('Skipped') || e.httpMethod === undefined) s.skipped += 1;
    else if (e.httpMethod === 'DELETE') s.deleted += 1;
    else if (e.httpMethod === 'POST') s.created += 1;
    else s.updated += 1;
  }
  return s;
}

/** The buckets: each entry is counted in exactly one. */
const BUCKETS = ['created', 'updated', 'deleted', 'conflicts', 'failures', 'skipped'] as const satisfies readonly (keyof ResultSummary)[];
const SUMMARY_FIELDS = [...BUCKETS, 'warnings'] as const satisfies readonly (keyof ResultSummary)[];

/**
 * `<x:summary>` with one element per count. A summary without `x:warnings` (an older writer) is not read:
 * its feed's entries are counted instead.
 */
export function summaryNode(s: ResultSummary): XNode {
  return el('x:summary', undefined, ...SUMMARY_FIELDS.map((k) => el(`x:${k}`, undefined, s[k])));
}

/** The counts of an `<x:summary>` child of `parent`; undefined when it has none or a count is not a whole number. */
function readSummary(parent: XmlElement): ResultSummary | undefined {
  const node = parent.children.find((c) => c.ns === NS.x && c.name === 'summary');
  if (!node) return undefined;
  const s: Partial<ResultSummary> = {};
  for (const k of SUMMARY_FIELDS) {
    const text = childText(node, NS.x, k);
    if (text === undefined || !/^\d+$/.test(text)) return undefined;
    s[k] = Number(text);
  }
  return s as ResultSummary;
}

/** The number of entries a summary counts (each entry is in exactly one bucket). */
export function summarisedEntries(s: ResultSummary): number {
  return BUCKETS.reduce((n, k) => n + s[k], 0);
}

/** What a result feed's entries came to: from its head's summary, or by reading every entry when it has none. */
export function readResultSummary(text: string): ResultSummary {
  return readSummary(parseFeedHead(text)) ?? summariseResults(parseResultFeed(text).entries);
}
