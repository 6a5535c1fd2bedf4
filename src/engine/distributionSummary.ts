/** What a distribution (distribute.ts) ends with: the decision, and each target's vote, outcome and counts. */
import type { ResultSummary } from '../atom/resultFeed';
import type { Diagnosis } from '../protocol/diagnosis';
import type { TargetVote } from '../protocol/twoPhase';

type TargetOutcome = 'committed' | 'aborted' | 'commitFailed' | 'done' | 'failed';

export interface TargetResult {
  target: string;
  /** Two-phase: the target's vote; one-phase: Ack for a pass that finished, Failed otherwise. */
  vote: TargetVote;
  outcome: TargetOutcome;
  diagnoses: Diagnosis[];
  counts?: ResultSummary;
  /** Two-phase: the tracking ID of the target's batch (`T/$syncTarget('ID')`). */
  batch?: string;
}

export interface DistributionSummary {
  source: string;
  phases: 1 | 2;
  decision: 'commit' | 'abort';
  /** Pages read from the source (two-phase). */
  pages: number;
  /** Two-phase: why the source's selection could not be read to its end (then nothing is committed). */
  sourceDiagnoses: Diagnosis[];
  seconds: number;
  targets: TargetResult[];
}
