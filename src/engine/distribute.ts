/**
 * A distribution: one source's changes to several targets (PROTOCOL.md 7), one-phase or two-phase.
 *
 * One-phase: an ordinary catch-up pass to each target, one after the other (each from its own digest).
 *
 * Two-phase: the changes are selected ONCE, from the per-endpoint minimum of the targets' digests, and
 * land on every target or on none.
 *
 *   reading     GET every T/$syncDigest; floor = distributionFloor(digests)  (a digest that cannot be read:
 *               that target votes Unreachable and the distribution aborts before anything is prepared)
 *   selecting   POST the floor to S/$syncSource; pages are read one at a time
 *   preparing   each page POSTed to every T/$syncTarget?phase=prepare&trackingID=ID(T) at once; a target's
 *               vote is Ack (200), Nak or OutOfSync (409), Unreachable, Failed, or Late when the timeout
 *               (counted from the start of preparing) passes first
 *                 ├─ every target Ack on every page ─────────────> committing
 *                 └─ any other vote (the rest of the pages is not read) ──> aborting
 *   committing  POST T/$syncTarget('ID')/$commit to every target ──> committed
 *               (a target that misses its commit aborts by itself at its batch timeout and catches up
 *                with a later pass: its outcome says so)
 *   aborting    POST .../$abort to every target (also to one that answers late, once it answers) ──> aborted
 *
 * Either way the event loggers get ONE record for the whole distribution: every target's vote and outcome.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { readResultSummary } from '../atom/resultFeed';
import { parseDigestDocument } from '../atom/digestXml';
import { diagnosesIn } from '../atom/diagnosisXml';
import { parseXml } from '../atom/xml';
import type { Diagnosis } from '../protocol/diagnosis';
import { distributionDecision, distributionFloor, type TargetVote } from '../protocol/twoPhase';
import type { Digest } from '../protocol/types';
import { reportDistribution } from './distributionReport';
import type { DistributionSummary, TargetResult } from './distributionSummary';
import { describeError, EndpointError } from './errors';
import { FEED_TYPE, type Answer, type SDataClient } from './sdataClient';
import { PassFailed, runPass, type PassOptions } from './pass';
import type { LoggerDestination } from './report';
import type { ResultOutbox } from './resultOutbox';
import { selectionPages } from './selection';
import { serviceUrl } from '../protocol/serviceUrl';

export interface DistributionOptions {
  source: string;
  targets: string[];
  client: SDataClient;
  twoPhase: boolean;
  /** Two-phase: every target must have Acked every page within this time. */
  timeoutSeconds?: number;
  loggers?: LoggerDestination[];
  /** Delivers the distribution's record (the engine's); its own when absent. */
  outbox?: ResultOutbox;
  pageSize?: number;
  /** Called when every target has Acked every page, before the first commit (tests stop a target here). */
  onPrepared?: (targets: string[]) => Promise<void> | void;
  log?: PassOptions['log'];
}

const DEFAULT_TIMEOUT_SECONDS = 30;

/** The diagnoses a 409 or an error carries. */
function diagnosesOf(body: string): Diagnosis[] {
  try {
    return diagnosesIn(parseXml(body));
  } catch {
    return [];
  }
}

/** A prepare answer as a vote. */
function voteOf(answer: Answer): { vote: TargetVote; diagnoses: Diagnosis[] } {
  if (answer.status === 200) return { vote: 'Ack', diagnoses: [] };
  const diagnoses = diagnosesOf(answer.body);
  if (answer.status === 409 && diagnoses.some((d) => d.applicationCode === 'OutOfSync')) return { vote: 'OutOfSync', diagnoses };
  if (answer.status === 409 && !diagnoses.some((d) => d.severity === 'Transient')) return { vote: 'Nak', diagnoses };
  return { vote: 'Failed', diagnoses: diagnoses.length > 0 ? diagnoses : [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', message: `prepare answered HTTP ${answer.status}` }] };
}

const sleepUntil = (deadline: number): { promise: Promise<'late'>; cancel: () => void } => {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()));
  });
  return { promise, cancel: () => clearTimeout(timer) };
};

interface Prepared {
  target: string;
  id: string;
  vote: TargetVote;
  diagnoses: Diagnosis[];
  /** A prepare still on its way when the decision was taken. */
  late?: Promise<unknown>;
}

async function readFloor(opts: DistributionOptions, results: Map<string, Prepared>): Promise<Digest | undefined> {
  const digests: Digest[] = [];
  for (const target of opts.targets) {
    try {
      const answer = await opts.client.exchange('GET', serviceUrl(target, '$syncDigest'));
      digests.push(parseDigestDocument(parseXml(answer.body)));
    } catch (err) {
      results.get(target)!.vote = 'Unreachable';
      results.get(target)!.diagnoses = failure(err);
    }
  }
  return digests.length === opts.targets.length ? distributionFloor(digests) : undefined;
}

function failure(err: unknown): Diagnosis[] {
  const own: Diagnosis = { severity: 'Error', sdataCode: 'ApplicationDiagnosis', message: describeError(err) };
  return err instanceof EndpointError && err.diagnoses.length > 0 ? err.diagnoses : [own];
}

/** Prepares one page on every target at once; each target's vote is set from its answer, or Late. */
async function preparePage(opts: DistributionOptions, xml: string, deadline: number, batchTimeout: number, results: Map<string, Prepared>): Promise<void> {
  const { client } = opts;
  const wait = sleepUntil(deadline);
  try {
    await Promise.all(
      [...results.values()].map(async (p) => {
        const url = serviceUrl(p.target, '$syncTarget', { phase: 'prepare', trackingID: p.id, timeout: batchTimeout });
        const request = client.request('POST', url, { text: xml, type: FEED_TYPE }).then(voteOf, (err: unknown) => ({ vote: 'Unreachable' as TargetVote, diagnoses: failure(err) }));
        const first = await Promise.race([request, wait.promise]);
        if (first === 'late') {
          p.vote = 'Late';
          p.diagnoses = [{ severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'Late', message: `no answer to the prepare within ${opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS} s` }];
          p.late = request;
          return;
        }
        p.vote = first.vote;
        p.diagnoses = first.diagnoses;
      }),
    );
  } finally {
    wait.cancel();
  }
}

async function decide(opts: DistributionOptions, decision: 'commit' | 'abort', results: Map<string, Prepared>): Promise<TargetResult[]> {
  const { client } = opts;
  const action = decision === 'commit' ? '$commit' : '$abort';
  return Promise.all(
    [...results.values()].map(async (p): Promise<TargetResult> => {
      const url = serviceUrl(p.target, `$syncTarget('${p.id}')/${action}`);
      const send = () => client.exchange('POST', url).then((a) => a, (err: unknown) => err as Error);
      if (decision === 'abort') {
        // A prepare still on its way gets its abort once it has arrived; a target never prepared answers 404.
        if (p.late) void p.late.then(send, send);
        if (p.vote !== 'Unreachable') await send();
        return { target: p.target, batch: p.id, vote: p.vote, outcome: 'aborted', diagnoses: p.diagnoses };
      }
      const answer = await send();
      if (answer instanceof Error) return { target: p.target, batch: p.id, vote: p.vote, outcome: 'commitFailed', diagnoses: failure(answer) };
      return { target: p.target, batch: p.id, vote: p.vote, outcome: 'committed', diagnoses: [], counts: readResultSummary(answer.body) };
    }),
  );
}

async function runTwoPhase(opts: DistributionOptions): Promise<Omit<DistributionSummary, 'seconds'>> {
  const results = new Map<string, Prepared>(opts.targets.map((t) => [t, { target: t, id: randomUUID(), vote: 'Ack', diagnoses: [] }]));
  const votes = () => [...results.values()].map((p) => p.vote);
  const timeout = opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  let pages = 0;
  let sourceDiagnoses: Diagnosis[] = [];
  const floor = await readFloor(opts, results);
  if (floor) {
    const deadline = Date.now() + timeout * 1000;
    // The batch outlives the engine's own timeout by as much again: time for the commits to arrive.
    const batchTimeout = Math.ceil(timeout * 2);
    try {
      for await (const page of selectionPages(opts.client, opts.source, { ...floor, origin: opts.targets[0] }, opts.pageSize)) {
        pages = page.number;
        await preparePage(opts, page.xml, deadline, batchTimeout, results);
        if (distributionDecision(votes()) === 'abort') break; // the rest of the pages is not read
      }
    } catch (err) {
      sourceDiagnoses = failure(err); // the selection could not be read to its end: nothing is committed
    }
  }
  const decision = sourceDiagnoses.length === 0 ? distributionDecision(votes()) : 'abort';
  if (decision === 'commit') await opts.onPrepared?.(opts.targets);
  return { source: opts.source, phases: 2, decision, pages, sourceDiagnoses, targets: await decide(opts, decision, results) };
}

async function runOnePhase(opts: DistributionOptions): Promise<Omit<DistributionSummary, 'seconds'>> {
  const targets: TargetResult[] = [];
  for (const target of opts.targets) {
    try {
      const s = await runPass({ source: opts.source, target, client: opts.client, pageSize: opts.pageSize, log: opts.log });
      const { created, updated, deleted, conflicts, failures, skipped, warnings } = s;
      targets.push({ target, vote: 'Ack', outcome: 'done', diagnoses: [], counts: { created, updated, deleted, conflicts, failures, skipped, warnings } });
    } catch (err) {
      targets.push({ target, vote: 'Failed', outcome: 'failed', diagnoses: err instanceof PassFailed ? failure(err.cause) : failure(err) });
    }
  }
  return { source: opts.source, phases: 1, decision: targets.every((t) => t.outcome === 'done') ? 'commit' : 'abort', pages: 0, sourceDiagnoses: [], targets };
}

/** Runs a distribution and gives its one record to the event loggers. */
export async function runDistribution(opts: DistributionOptions): Promise<DistributionSummary> {
  const started = performance.now();
  const partial = opts.twoPhase ? await runTwoPhase(opts) : await runOnePhase(opts);
  const summary: DistributionSummary = { ...partial, seconds: (performance.now() - started) / 1000 };
  await reportDistribution({ client: opts.client, loggers: opts.loggers, outbox: opts.outbox, log: opts.log }, summary);
  return summary;
}
