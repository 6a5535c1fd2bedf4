/**
 * A distribution scope from the engine configuration (config/engineSchema.ts): a source, direct targets,
 * and clusters (a master endpoint that is itself the source of a distribution to its members), with
 * `phases: 1 | 2` as setup information.
 *
 *   phases 2 (all or nothing over the whole scope, masters and members included):
 *
 *     reading     every target's, master's and member's digest; floor = their minimum
 *     selecting   the source's changes for that floor, once
 *     preparing   every page at every target, master and member ─── all Ack in time ──> committing
 *                                                               └── any other vote ───> aborting (everywhere)
 *     committing  $commit everywhere ──> committed         aborting  $abort everywhere ──> aborted
 *
 *   A member takes the source's versions directly (with the source's sync states, as a relay through its
 *   master would give them), so nothing is visible at any master or member before every one of them has
 *   Acked; a later one-phase pass master -> member then finds nothing to move but the master's own changes.
 *
 *   phases 1 (converging, each step alone):
 *
 *     source ──pass──> each target and master    then    each master ──pass──> each of its members
 */
import type { DistributionConfig } from '../config/engineSchema';
import { loggerDestinations } from './configured';
import { runDistribution, type DistributionOptions } from './distribute';
import type { DistributionSummary } from './distributionSummary';

export type ScopeOptions = Omit<DistributionOptions, 'source' | 'targets' | 'twoPhase' | 'timeoutSeconds'>;

/** Every endpoint a scope's two-phase distribution prepares: direct targets, masters, members. */
export function scopeTargets(scope: Pick<DistributionConfig, 'targets' | 'clusters'>): string[] {
  return [...new Set([...scope.targets, ...scope.clusters.flatMap((c) => [c.master, ...c.members])])];
}

/** Runs a scope's distribution(s); one summary per distribution (two-phase: one; one-phase: the source's, then each master's). */
export async function runScope(scope: DistributionConfig, opts: ScopeOptions): Promise<DistributionSummary[]> {
  const common = { ...opts, loggers: scope.loggers ? loggerDestinations(scope.loggers) : opts.loggers, timeoutSeconds: scope.timeoutSeconds };
  if (scope.phases === 2) {
    return [await runDistribution({ ...common, source: scope.source, targets: scopeTargets(scope), twoPhase: true })];
  }
  const first = await runDistribution({ ...common, source: scope.source, targets: [...scope.targets, ...scope.clusters.map((c) => c.master)], twoPhase: false });
  const out = [first];
  for (const c of scope.clusters) out.push(await runDistribution({ ...common, source: c.master, targets: c.members, twoPhase: false }));
  return out;
}
