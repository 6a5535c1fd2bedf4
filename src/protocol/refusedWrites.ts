/**
 * A planned page after the target's storage refused some of its writes (a table-backed endpoint whose
 * application table refuses a row: a constraint, a reference not here yet): every entry that would have
 * written a refused resource is quarantined instead, with why, and nothing of that resource is written or
 * parked. The digest and clock stay as planned: a quarantined entry moves the digest like any other
 * (PROTOCOL.md 2.3, pagePlan), and a tick a refused restamp took is simply never used.
 *
 *   planned entry ──resource refused──> quarantined (storage's diagnoses)
 *                 └─otherwise────────> as planned
 */
import type { Diagnosis } from './diagnosis';
import type { PagePlan } from './pagePlan';

export function withRefusedWrites(plan: PagePlan, refused: ReadonlyMap<string, Diagnosis[]>): PagePlan {
  if (refused.size === 0) return plan;
  const isRefused = (uuid: string | undefined): boolean => uuid !== undefined && refused.has(uuid);
  return {
    ...plan,
    entries: plan.entries.map((p) =>
      p.stored && isRefused(p.entry.uuid) ? { entry: p.entry, outcome: { kind: 'quarantined' as const }, diagnoses: refused.get(p.entry.uuid!)! } : p,
    ),
    writes: plan.writes.filter((w) => !isRefused(w.uuid)),
    conflicts: plan.conflicts.filter((c) => !isRefused(c.uuid)),
  };
}
