/**
 * Two-phase distribution and change files (PROTOCOL.md 7, EXT), as pure rules:
 *
 * - `distributionFloor`: the one floor a distribution selects from, the per-endpoint minimum of every
 *   target's digest (an endpoint some target does not know is left out: claimed from its first change).
 *   A target ahead of that floor ignores the entries it already has (rule 1) and its claims stay
 *   contiguous, since the floor is at or below its digest everywhere.
 * - `prepareVerdict`: what a target answers to a prepared page, from the page's plan and the claims it
 *   cannot take: Ack, Nak (an entry it would quarantine: a payload or a reference it refuses) or OutOfSync
 *   (a gap between its digest and the feed's floor).
 * - `distributionDecision`: commit only when every target's vote is Ack.
 * - `nextFileFloor`: the floor of the next change file of an export, the per-entry digest rule (2.3)
 *   applied to this file's floor for each entry it carries, so that a file can only be taken after the
 *   one before it.
 */
import type { Diagnosis } from './diagnosis';
import { entryOf } from './digest';
import type { PagePlan } from './pagePlan';
import type { Claim } from './floorCeiling';
import type { Digest, DigestEntry, SyncState } from './types';

type Vote = 'Ack' | 'Nak' | 'OutOfSync';

/** A target's vote as the engine counts it: its answer, or why there is none (no answer, too late, another error). */
export type TargetVote = Vote | 'Unreachable' | 'Late' | 'Failed';

export interface Verdict {
  vote: Vote;
  diagnoses: Diagnosis[];
}

/** The per-endpoint minimum of the digests; an endpoint missing from any of them is left out. */
export function distributionFloor(digests: Digest[]): Digest {
  if (digests.length === 0) return { entries: [] };
  const [first, ...rest] = digests;
  const entries: DigestEntry[] = [];
  for (const e of first.entries) {
    let low: DigestEntry | undefined = e;
    for (const d of rest) {
      const other = entryOf(d, e.endpoint);
      if (!other) {
        low = undefined;
        break;
      }
      if (other.tick < low.tick) low = other;
    }
    if (low) entries.push({ ...low });
  }
  return { entries };
}

/** The verdict on a prepared page: OutOfSync on any gap, else Nak when an entry would be quarantined, else Ack. */
export function prepareVerdict(plan: Pick<PagePlan, 'entries'>, gaps: Claim[] | SyncState[]): Verdict {
  if (gaps.length > 0) {
    const from = gaps.map((g) => g.endpoint).join(', ');
    return {
      vote: 'OutOfSync',
      diagnoses: [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'OutOfSync', message: `this endpoint has not got every change the feed assumes from ${from}; run a catch-up pass first` }],
    };
  }
  const refused = plan.entries.filter((p) => p.outcome.kind === 'quarantined');
  if (refused.length > 0) {
    const diagnoses = refused.flatMap((p) =>
      p.diagnoses.length > 0
        ? p.diagnoses.map((d) => ({ ...d, severity: 'Error' as const, payloadPath: d.payloadPath ?? `entry[${p.entry.index}]` }))
        : [{ severity: 'Error' as const, sdataCode: 'ApplicationDiagnosis' as const, message: 'the entry cannot be applied', payloadPath: `entry[${p.entry.index}]` }],
    );
    return { vote: 'Nak', diagnoses };
  }
  return { vote: 'Ack', diagnoses: [] };
}

/** Commit when every target voted Ack (and there is at least one target); abort otherwise. */
export function distributionDecision(votes: TargetVote[]): 'commit' | 'abort' {
  return votes.length > 0 && votes.every((v) => v === 'Ack') ? 'commit' : 'abort';
}

/**
 * The floor of the change file after one with floor `floor` holding entries with these states: for each
 * entry of X with tick t, X moves to t + 1 when the floor for X is at or below t (ticks of one endpoint
 * increase through a feed, so this is the per-entry digest rule of 2.3). Stamps and priorities come from
 * the ceiling.
 */
export function nextFileFloor(floor: Digest, ceiling: Digest, states: SyncState[]): Digest {
  const ticks = new Map(floor.entries.map((e) => [e.endpoint, e]));
  for (const s of states) {
    const cur = ticks.get(s.endpoint);
    if (cur && cur.tick > s.tick) continue;
    const c = entryOf(ceiling, s.endpoint);
    ticks.set(s.endpoint, { endpoint: s.endpoint, tick: s.tick + 1, stamp: c?.stamp ?? s.stamp, conflictPriority: c?.conflictPriority ?? cur?.conflictPriority ?? 5 });
  }
  return { origin: floor.origin, entries: [...ticks.values()] };
}
