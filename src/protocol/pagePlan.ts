/**
 * What applying one page of a sync feed does at a target (PROTOCOL.md 2.2–2.5), computed without I/O:
 * the caller loads the target's digest, clock and stored versions, calls `planPage`, and writes the plan
 * (versions, parked conflicts, quarantined entries, digest, clock) in the same transaction. `SyncPage` is
 * the one shape of a received page, from its decoding at `$syncTarget` to the store that applies it.
 *
 *   entry ──decide──> apply | ignore | conflict(restamp winner, park loser) | quarantine (bad payload)
 *     applied and parked versions: the entry's properties over the target's (propertyMerge.ts)
 *   entry with an unknown UUID and a link rule ──matchLink──> one local resource: linked (it takes the UUID,
 *     then decide as above; a loser with the winner's values is not parked) | several: ambiguous (parked with
 *     every candidate, nothing written) | none: as above (created)
 *     └─ every entry (quarantined ones too) then moves the digest by the per-entry rule
 *   entry without a sync state (its sync metadata could not be read) ──> quarantine; the digest moves
 *     for it at the end of the feed only, with the ceiling
 *   last page (no rel="next"), in both modes ──> end-of-feed merge with the ceiling, gapped endpoints reported
 */
import type { Diagnosis } from './diagnosis';
import type { Digest, SyncMode, SyncState } from './types';
import { decide, restampedState, sourceKnowledgeDigest, targetKnowledgeDigest } from './conflict';
import { advanceForEntry, mergeAtEndOfFeed } from './digestUpdate';
import { claimsOf, gapsIn, immediateGapsWithoutFloor } from './floorCeiling';
import { compactKnowledge, knowledgeOnApply, knowledgeOnRestamp } from './knowledge';
import { entryOf, priorityOf, tickOf, withOwnEntry } from './digest';
import { mergeReceivedValues } from './propertyMerge';
import type { ResourceValues } from './propertyValues';
import { indexCandidates, matchLink, sameValues, type LinkCandidate, type LinkRule } from './linking';

/** A version of a resource as a target stores it. `values` is opaque here. */
export interface StoredVersion {
  key?: string;
  uuid: string;
  values: unknown;
  deleted: boolean;
  state: SyncState;
  knowledge?: Digest;
}

/** A feed entry after payload decoding: `problems` holds why it cannot be applied (then it is quarantined). */
export interface DecodedEntry {
  index: number;
  /** The resource's UUID; undefined when the entry gives none that can name a resource (then a problem). */
  uuid?: string;
  /** The sdata:uuid as the entry wrote it (trimmed, lower case), usable or not: what a page names once. */
  givenUuid?: string;
  /** Absent when the entry's sync metadata could not be read (then a problem says why). */
  state?: SyncState;
  knowledge?: Digest;
  deleted: boolean;
  values?: unknown;
  problems: Diagnosis[];
  /** What was left out of the payload (properties this target does not know, PROTOCOL.md 2.7): reported, not refused. */
  warnings?: Diagnosis[];
  /** The entry whole as received, kept when it is quarantined. */
  raw: unknown;
  /** A quarantined entry tried again: decided against the ceiling it came with; the digest already moved for it. */
  retry?: { failureId: number; ceiling: Digest };
}

export type EntryOutcome =
  | { kind: 'applied'; method: 'POST' | 'PUT' | 'DELETE' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'conflict'; winner: 'source' | 'target'; method: 'POST' | 'PUT' | 'DELETE'; reason: string }
  /** Linked to the local resource `key` (its UUID was `formerUuid`); `parked` when the versions differed (PROTOCOL.md 2.8). */
  | { kind: 'linked'; key: string; formerUuid: string; method: 'PUT' | 'DELETE'; winner?: 'source' | 'target'; reason: string; parked: boolean }
  /** Matches several local resources not yet linked: parked with each of them for a person, nothing written. */
  | { kind: 'ambiguous'; keys: string[] }
  | { kind: 'quarantined' };

export interface ParkedConflict {
  uuid: string;
  /** The local resource the conflict is parked with, when it is not the one holding `uuid` (an ambiguous link). */
  key?: string;
  winner: 'source' | 'target';
  reason: string;
  winnerVersion: StoredVersion;
  loserVersion: StoredVersion;
}

export interface PlannedEntry {
  entry: DecodedEntry;
  outcome: EntryOutcome;
  diagnoses: Diagnosis[];
  /** The version stored after this entry, when the entry changed the resource. */
  stored?: StoredVersion;
}

export interface PagePlan {
  entries: PlannedEntry[];
  /** Final version per UUID of every resource the page changed (write these). */
  writes: StoredVersion[];
  conflicts: ParkedConflict[];
  /** The target's digest after the page (own entry included). */
  digest: Digest;
  /** The target's clock after the page (restamps take ticks). */
  clock: number;
  /** Feed-level diagnoses (a catch-up gap is a Warning). */
  diagnoses: Diagnosis[];
}

/** One page of a sync feed as a target applies it: the feed's head and its decoded entries (its XML is not kept). */
export interface SyncPage {
  mode: SyncMode;
  /** As the feed said it (absent in a plain SData feed, which means catchUp). */
  statedMode?: SyncMode;
  ceiling: Digest;
  floor?: Digest;
  isLastPage: boolean;
  entries: DecodedEntry[];
}

/**
 * A page of no entries that is not a last page: applied with quarantined entries to try again, it moves no
 * digest (a retried entry's digest moved when it first came).
 */
export const RETRIES_ONLY: SyncPage = { mode: 'catchUp', ceiling: { entries: [] }, isLastPage: false, entries: [] };

export interface PageInput {
  page: SyncPage;
  /** Quarantined entries tried again with the page, planned before its own entries. */
  retried?: DecodedEntry[];
  targetUrl: string;
  targetPriority: number;
  /** The target's clock: the first tick not yet given out. */
  clock: number;
  /** The target's digest (its own entry is replaced from `clock`). */
  digest: Digest;
  now: string;
  /** Stored versions of the entries' UUIDs (retried ones included). */
  current: Map<string, StoredVersion>;
  /** The kind's link rule and the local resources entries with unknown UUIDs may link to (PROTOCOL.md 2.8). */
  links?: { rule: LinkRule; candidates: LinkCandidate[] };
}

/** Gaps that make an immediate page be refused whole (PROTOCOL.md 2.4); empty when none. */
export function immediateGaps(mode: SyncMode, floor: Digest | undefined, ceiling: Digest, targetDigest: Digest, states: (SyncState | undefined)[]): string[] {
  if (mode !== 'immediate') return [];
  if (floor) return gapsIn(claimsOf(floor, ceiling), targetDigest).map((g) => g.endpoint);
  return immediateGapsWithoutFloor(states.filter((s): s is SyncState => s !== undefined), targetDigest).map((s) => s.endpoint);
}

const conflictDiagnosis = (winner: 'source' | 'target', reason: string): Diagnosis => ({
  severity: winner === 'source' ? 'Info' : 'Warning',
  sdataCode: 'ApplicationDiagnosis',
  applicationCode: 'Conflict',
  message: `${winner === 'source' ? "the feed's version won" : "the target's version was kept"}: ${reason}; the other version is parked at $conflicts`,
});

/**
 * The values of the version an entry brings, as the target stores them: the entry's properties over the
 * target's live version (PROTOCOL.md 2.7); a deleted entry's as they came (none).
 */
function receivedValues(entry: DecodedEntry, cur: StoredVersion | undefined): unknown {
  if (entry.deleted || !entry.values) return entry.values;
  const kept = cur && !cur.deleted ? (cur.values as ResourceValues) : undefined;
  return mergeReceivedValues(kept, entry.values as ResourceValues);
}

const linkedDiagnosis = (key: string, formerUuid: string, rule: LinkRule): Diagnosis => ({
  severity: 'Info',
  sdataCode: 'ApplicationDiagnosis',
  applicationCode: 'Linked',
  message: `linked on ${rule.on.join(', ')} to the local resource '${key}', which took this UUID (it was ${formerUuid})`,
});

const ambiguousDiagnosis = (keys: string[], rule: LinkRule): Diagnosis => ({
  severity: 'Warning',
  sdataCode: 'ApplicationDiagnosis',
  applicationCode: 'Conflict',
  message: `matches ${keys.length} local resources not yet linked on ${rule.on.join(', ')} (keys ${keys.map((k) => `'${k}'`).join(', ')}): nothing was written; parked at $conflicts with each of them, for a person to keep it on the right one (which takes the UUID) and dismiss the others`,
});

function methodFor(before: StoredVersion | undefined, after: { deleted: boolean }): 'POST' | 'PUT' | 'DELETE' {
  if (after.deleted) return 'DELETE';
  return !before || before.deleted ? 'POST' : 'PUT';
}

export function planPage(input: PageInput): PagePlan {
  const { targetUrl, now } = input;
  const { ceiling, floor } = input.page;
  let clock = input.clock;
  const own = () => ({ endpoint: targetUrl, tick: clock, stamp: now, conflictPriority: entryOf(input.digest, targetUrl)?.conflictPriority ?? input.targetPriority });
  let digest = withOwnEntry(input.digest, { ...own(), stamp: entryOf(input.digest, targetUrl)?.stamp ?? now });
  const current = new Map(input.current);
  const written = new Map<string, StoredVersion>();
  const planned: PlannedEntry[] = [];
  const conflicts: ParkedConflict[] = [];
  /** Keys of local resources an entry of this page linked: linked from then on. */
  const taken = new Set<string>();
  const links = input.links;
  const linkIndex = links && indexCandidates(links.candidates, links.rule);

  for (const entry of [...(input.retried ?? []), ...input.page.entries]) {
    const sourceCeiling = entry.retry?.ceiling ?? ceiling;
    let cur = entry.uuid ? current.get(entry.uuid) : undefined;
    let result: PlannedEntry;
    const sourceDigest = sourceKnowledgeDigest(sourceCeiling, entry.knowledge);
    const state = entry.state;
    const link = links && linkIndex && entry.uuid && !cur && entry.problems.length === 0 ? matchLink(entry, links.rule, linkIndex, targetUrl, sourceDigest, taken) : undefined;
    const linkedTo = link?.kind === 'one' ? link.candidate : undefined;
    if (linkedTo) cur = { key: linkedTo.key, uuid: linkedTo.uuid, values: linkedTo.values, deleted: linkedTo.deleted, state: linkedTo.state, knowledge: linkedTo.knowledge };
    const d = entry.uuid && state ? decide({ sourceDigest, targetDigest: targetKnowledgeDigest(digest, cur?.knowledge), sourceState: state, targetState: cur?.state }) : undefined;
    // An ambiguous entry the target's digest already holds was parked when it first came (a page sent twice).
    const parkedBefore = link?.kind === 'several' && tickOf(digest, state!.endpoint, 0) > state!.tick;
    if (parkedBefore) {
      result = { entry, outcome: { kind: 'ignored', reason: `the target has seen the source's version (${state!.endpoint} ${state!.tick}): parked before as an ambiguous link` }, diagnoses: [] };
    } else if (link?.kind === 'several') {
      const keys = link.candidates.map((c) => c.key);
      const incoming: StoredVersion = { uuid: entry.uuid!, values: entry.values, deleted: entry.deleted, state: state!, knowledge: entry.knowledge };
      for (const c of link.candidates) {
        const local: StoredVersion = { key: c.key, uuid: c.uuid, values: c.values, deleted: c.deleted, state: c.state, knowledge: c.knowledge };
        conflicts.push({ uuid: entry.uuid!, key: c.key, winner: 'target', reason: `ambiguous link on ${links!.rule.on.join(', ')}: one of ${keys.length} local resources`, winnerVersion: local, loserVersion: incoming });
      }
      result = { entry, outcome: { kind: 'ambiguous', keys }, diagnoses: [ambiguousDiagnosis(keys, links!.rule)] };
    } else if (d?.outcome === 'ignore') {
      // Decided on sync state alone: a version the target already has (or supersedes) is skipped, valid or not.
      result = { entry, outcome: { kind: 'ignored', reason: d.reason }, diagnoses: [] };
    } else if (!d || !entry.uuid || !state || entry.problems.length > 0) {
      result = { entry, outcome: { kind: 'quarantined' }, diagnoses: entry.problems };
    } else {
      const values = receivedValues(entry, cur);
      const warnings = entry.warnings ?? [];
      if (d.outcome === 'apply') {
        const stored: StoredVersion = {
          key: cur?.key,
          uuid: entry.uuid,
          values,
          deleted: entry.deleted,
          state,
          knowledge: knowledgeOnApply(sourceCeiling, entry.knowledge),
        };
        result = { entry, outcome: { kind: 'applied', method: methodFor(cur, entry) }, diagnoses: warnings, stored };
      } else {
        const incoming: StoredVersion = { key: cur?.key, uuid: entry.uuid, values, deleted: entry.deleted, state, knowledge: entry.knowledge };
        const target = cur!;
        const [winner, loser] = d.winner === 'source' ? [incoming, target] : [target, incoming];
        const stored: StoredVersion = {
          key: cur?.key,
          uuid: entry.uuid,
          values: winner.values,
          deleted: winner.deleted,
          state: restampedState(winner.state, targetUrl, clock),
          knowledge: knowledgeOnRestamp(sourceDigest, target.knowledge),
        };
        clock += 1;
        digest = withOwnEntry(digest, own());
        // A resource just linked whose two versions hold the same values leaves nothing for a person to decide.
        if (!linkedTo || winner.deleted !== loser.deleted || !sameValues(winner.values, loser.values)) {
          conflicts.push({ uuid: entry.uuid, winner: d.winner, reason: d.reason, winnerVersion: winner, loserVersion: loser });
        }
        result = {
          entry,
          outcome: { kind: 'conflict', winner: d.winner, method: methodFor(cur, stored), reason: d.reason },
          diagnoses: [conflictDiagnosis(d.winner, d.reason), ...warnings],
          stored,
        };
      }
    }
    if (linkedTo && result.stored && links) {
      taken.add(linkedTo.key);
      const parked = result.outcome.kind === 'conflict' && conflicts.at(-1)?.uuid === entry.uuid;
      const o = result.outcome as Extract<EntryOutcome, { kind: 'applied' | 'conflict' }>;
      result = {
        ...result,
        outcome: { kind: 'linked', key: linkedTo.key, formerUuid: linkedTo.uuid, method: result.stored.deleted ? 'DELETE' : 'PUT', winner: o.kind === 'conflict' ? o.winner : undefined, reason: o.kind === 'conflict' ? o.reason : 'applied', parked },
        diagnoses: [linkedDiagnosis(linkedTo.key, linkedTo.uuid, links.rule), ...(parked ? result.diagnoses : (entry.warnings ?? []))],
      };
    }
    if (result.stored) {
      current.set(result.stored.uuid, result.stored);
      written.set(result.stored.uuid, result.stored);
    }
    if (!entry.retry && state) {
      const x = state.endpoint;
      digest = advanceForEntry(digest, state, targetUrl, floor, now, priorityOf(ceiling, x) ?? priorityOf(digest, x) ?? 5);
    }
    planned.push(result);
  }

  const diagnoses: Diagnosis[] = [];
  // Only the last page merges, in immediate mode too: a feed of several pages that stops earlier leaves the
  // digest where the per-entry rule put it, so the next pass resends what the feed did not deliver.
  if (input.page.isLastPage) {
    const merged = mergeAtEndOfFeed(digest, ceiling, floor, input.page.mode, targetUrl, now);
    digest = merged.digest;
    if (merged.gapped.length > 0) {
      diagnoses.push({
        severity: 'Warning',
        sdataCode: 'ApplicationDiagnosis',
        applicationCode: 'SyncGap',
        message: `the feed's floor is above this endpoint's digest for ${merged.gapped.join(', ')}: entries were applied but the digest was not moved for those endpoints; the next catch-up pass closes the gap`,
      });
    }
  }
  digest = withOwnEntry(digest, own());
  const writes = [...written.values()].map((v) => ({ ...v, knowledge: compactKnowledge(v.knowledge, digest) }));
  return { entries: planned, writes, conflicts, digest, clock, diagnoses };
}
