/**
 * The records of the event logger: a run (one pass of one kind, identified by runName, runStamp, source,
 * target and kind) with its counters, the events (one per diagnosis received), the result feed that adds to
 * them, and the filters of their listings. The SQL that stores and reads them is in store.ts.
 */
import type { Diagnosis, Severity } from '../protocol/diagnosis';

export type RunState = 'running' | 'done' | 'cut' | 'failed';
export const runStates: readonly RunState[] = ['running', 'done', 'cut', 'failed'];

export interface RunKey {
  runName: string;
  runStamp: string;
  source: string;
  target: string;
  kind: string;
}

export interface RunCounts {
  created: number;
  updated: number;
  deleted: number;
  failures: number;
  conflicts: number;
  skipped: number;
}

export interface NewEvent extends Diagnosis {
  entryId?: string;
  uuid?: string;
  httpStatus?: number;
  httpMethod?: string;
  location?: string;
}

/** A target's vote and outcome in a distribution's record (engine/distribute.ts). */
export interface TargetVoteRecord {
  target: string;
  vote: string;
  outcome: string;
}

/** One result feed as the logger records it. */
export interface ResultPost {
  run: RunKey;
  state: RunState;
  entriesRead: number;
  counts: RunCounts;
  totalResults?: number;
  events: NewEvent[];
  /** A distribution's record: every target's vote. */
  votes?: TargetVoteRecord[];
}

export interface RunRecord extends RunKey {
  id: number;
  state: RunState;
  startedAt: string;
  lastReceivedAt: string;
  durationSeconds: number;
  pages: number;
  entriesRead: number;
  /** created + updated + deleted */
  entriesWritten: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  conflicts: number;
  skipped: number;
  totalResults?: number;
  /** Entries of the selection not read yet (0 once the run is done; unknown without totalResults). */
  pending?: number;
  /** A distribution's record: every target's vote and outcome. */
  votes?: TargetVoteRecord[];
}

export interface EventRecord extends NewEvent {
  id: number;
  runId: number;
  receivedAt: string;
  run: RunKey;
}

export interface Page {
  offset: number;
  limit: number;
}

export interface RunFilter {
  runName?: string;
  runStamp?: string;
  /** An endpoint URL (or an application URL: every endpoint under it), as source or target. */
  endpoint?: string;
  state?: RunState;
  since?: Date;
  until?: Date;
}

export interface EventFilter extends Omit<RunFilter, 'state'> {
  runId?: number;
  /** The X-Request-Id of the pass, push or request the events came from. */
  requestId?: string;
  severities?: Severity[];
}

/** The last run of a route (source, target, kind) and when its last done run ended. */
export interface LatestRun extends RunRecord {
  /** When the route's last run in state done received its last post; undefined when none is done. */
  lastSuccessAt?: string;
}
