/**
 * Linking what already exists (PROTOCOL.md 2.8, SData `$linked`): at a target, an incoming entry whose UUID
 * the target does not know is matched on the kind's link properties (`link: { on: [email] }`) against the
 * local resources that are not yet linked.
 *
 *   entry with an unknown UUID, live, readable, from another endpoint
 *     ──linkValue──> no value (a link property missing or blank) ........... none: created as before
 *     ──match against unlinked candidates──> 0 ............................. none: created as before
 *                                            1 ............................. link: the local resource takes the UUID,
 *                                                                            then the conflict rules (2.2) decide
 *                                            2 or more ..................... ambiguous: parked with every candidate
 *
 * A local resource is **not yet linked** when its UUID may be known here only: it was created here without a
 * given UUID, no page, `$resolve` or `POST $linked` has written it since (`linked` false), it is live, its
 * version is this endpoint's own, and the feed's source has not incorporated that version (the source's
 * digest, with the entry's knowledge, has no tick above it for this endpoint: otherwise the source holds it
 * under its UUID, and the entry is another resource). A candidate taken by an earlier entry of the page is
 * linked from then on; a page whose ceiling shows the source has a local version marks it linked
 * (`linkedBelow`), so it stays linked when it changes later.
 *
 * Values are compared after trimming white space (space, tab, CR, LF) at both ends and folding the letters
 * A-Z to a-z, so that SQL can compute the same text whatever the database's collation
 * (`src/store/links.ts#findLinkCandidates`).
 */
import type { Digest, SyncState } from './types';
import { tickOf } from './digest';

/** A kind's link rule: the properties that recognise a resource across applications, in order. */
export interface LinkRule {
  on: readonly string[];
}

/** A local resource that may take an incoming entry's UUID. */
export interface LinkCandidate {
  key: string;
  uuid: string;
  values: unknown;
  deleted: boolean;
  state: SyncState;
  knowledge?: Digest;
  /** Written by a page, `$resolve` or `POST $linked`, or created with a given UUID. */
  linked: boolean;
}

export type LinkMatch = { kind: 'none' } | { kind: 'one'; candidate: LinkCandidate } | { kind: 'several'; candidates: LinkCandidate[] };

const WHITE = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const UPPER = /[A-Z]/g;

/** One property value as compared: trimmed, A-Z folded; undefined when absent, blank or not a scalar. */
export function foldLinkText(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const text = String(value).replace(WHITE, '').replace(UPPER, (c) => c.toLowerCase());
  return text === '' ? undefined : text;
}

/** A resource's link value: its link properties folded, in rule order; undefined when one is missing. */
export function linkValue(values: unknown, rule: LinkRule): string[] | undefined {
  if (!values || typeof values !== 'object') return undefined;
  const out: string[] = [];
  for (const p of rule.on) {
    const v = foldLinkText((values as Record<string, unknown>)[p]);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** Whether a local resource is not yet linked, for a feed whose source knows `sourceDigest` (see the header). */
export function isUnlinked(c: Pick<LinkCandidate, 'linked' | 'deleted' | 'state'>, targetUrl: string, sourceDigest: Digest): boolean {
  return !c.linked && !c.deleted && c.state.endpoint === targetUrl && tickOf(sourceDigest, targetUrl, 0) <= c.state.tick;
}

/**
 * The own ticks a page's source has: every local version of this endpoint with a tick below it is held by the
 * source under its UUID, so the target marks it linked when it applies the page. 0: none.
 */
export function linkedBelow(ceiling: Digest, targetUrl: string): number {
  return tickOf(ceiling, targetUrl, 0);
}

/** What an incoming entry needs to be matched: live, readable, with a UUID the target lacks, from another endpoint. */
export interface LinkableEntry {
  values?: unknown;
  deleted: boolean;
  state?: SyncState;
}

/** Local resources by link value (built once per page): what `matchLink` looks in. */
export type LinkIndex = ReadonlyMap<string, readonly LinkCandidate[]>;

const indexKey = (value: string[]): string => JSON.stringify(value);

/** The candidates by their link value; a candidate without one is left out (it matches nothing). */
export function indexCandidates(candidates: readonly LinkCandidate[], rule: LinkRule): LinkIndex {
  const index = new Map<string, LinkCandidate[]>();
  for (const c of candidates) {
    const v = linkValue(c.values, rule);
    if (!v) continue;
    const k = indexKey(v);
    const list = index.get(k);
    if (list) list.push(c);
    else index.set(k, [c]);
  }
  return index;
}

/**
 * The one rule: which local resources an incoming entry (with a UUID the target does not know) links to.
 * `taken` holds the keys of candidates an earlier entry of the page linked.
 */
export function matchLink(entry: LinkableEntry, rule: LinkRule, index: LinkIndex, targetUrl: string, sourceDigest: Digest, taken: ReadonlySet<string>): LinkMatch {
  if (entry.deleted || !entry.state || entry.state.endpoint === targetUrl) return { kind: 'none' };
  const wanted = linkValue(entry.values, rule);
  if (!wanted) return { kind: 'none' };
  const found = (index.get(indexKey(wanted)) ?? []).filter((c) => !taken.has(c.key) && isUnlinked(c, targetUrl, sourceDigest));
  if (found.length === 0) return { kind: 'none' };
  return found.length === 1 ? { kind: 'one', candidate: found[0] } : { kind: 'several', candidates: found };
}

/** Two payloads hold the same values (JSON values: key order does not count). */
export function sameValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => sameValues(v, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
