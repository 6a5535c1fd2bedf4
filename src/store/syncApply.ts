/**
 * Applying one page of a sync feed at a target in ONE transaction (PROTOCOL.md 2.3: the data changes of a
 * page and its digest update commit together): lock the clock, read digest and stored versions, plan the
 * page (protocol/pagePlan), then write versions, parked conflicts, quarantined entries, digest and clock
 * with set-based statements. The caller opens the transaction and may do more in it after the page.
 *
 * An entry whose UUID the target does not know may be linked to a local resource by the kind's link rule
 * (PROTOCOL.md 2.8): the candidates are looked up here, before the plan, and matched by the plan.
 *
 * Quarantined entries tried again with the page are read under the clock lock and decoded against the
 * endpoint's kind as configured today (atom/decodeEntries.ts).
 *
 * A page at a partition of a kind stores each version in the partition it falls in (partitionPages.ts),
 * within the partitions the request's principal reaches when the set carries its scope.
 *
 * A page may not touch a resource held by a prepared two-phase batch (409 Transient, nothing applied);
 * a batch's own `$commit` applies its pages here, the same way, with `ownBatch` set. `dryRunPages`
 * applies pages inside a savepoint and rolls them back: how a prepare checks a page completely.
 */
import type { DbOrTx, Tx } from './db';
import type { RegisteredEndpoint } from './endpoints';
import { SDataError } from '../protocol/diagnosis';
import { immediateGaps, planPage, type DecodedEntry, type PageInput, type PagePlan, type StoredVersion, type SyncPage } from '../protocol/pagePlan';
import { findLinkCandidates, markLinkedBelow } from './links';
import { linkedBelow } from '../protocol/linking';
import { decodeEntry, type QuarantinedEntry } from '../atom/decodeEntries';
import { lockClock, setClock } from './clock';
import { allocateKeys } from './keys';
import { readDigest, raiseDigestEntries } from './digests';
import { loadVersionsByUuid, SyncStateTaken, writeVersions } from './versions';
import { parkConflicts } from './conflicts';
import { openFailures, quarantineEntries, settleFailure, type FailureRecord } from './failures';
import { lockedUuids, refuseLockedUuids } from './preparedBatches';
import { withRefusedWrites } from '../protocol/refusedWrites';
import { allocateAppKeys, lockAppRows, writeAppRows } from './tableBacked/appRows';
import { foldCapturedChanges } from './tableBacked/fold';
import { holderIds, lockPartitions, type PartitionMember } from './partitionSet';
import { applyMoves, liveElsewhere, outOfScope, placeWrites, unplaceable } from './partitionPages';

/** The endpoint a page is applied at (a table-backed one writes the application's table with the versions). */
type SyncTarget = Pick<RegisteredEndpoint, 'id' | 'url' | 'def' | 'table' | 'partitions'>;

/** The run a page belongs to, kept with its parked conflicts and quarantined entries. */
export interface RunNames {
  runName?: string;
  runStamp?: string;
}

/** How a page is applied, beside its own entries. */
interface ApplyOptions {
  /** Quarantined entries to try again with this page: 'open' (the oldest open ones), or these IDs. */
  retry?: 'open' | number[];
  run?: RunNames;
  /** The prepared batch being committed: its own locks do not refuse the page. */
  ownBatch?: string;
}

export interface AppliedPage {
  plan: PagePlan;
  /** Local key of every resource the page wrote, by UUID. */
  keys: Map<string, string>;
}

/** How many quarantined entries are retried with each page. */
const RETRIES_PER_PAGE = 100;

/** Thrown inside a dry run's savepoint to roll it back with what the pages would have done. */
class DryRunDone extends Error {
  constructor(readonly applied: AppliedPage[]) {
    super('dry run rolled back');
  }
}

/** What applying these pages in order would do, computed by applying them and rolling back. */
export async function dryRunPages(trx: Tx, target: SyncTarget, pages: SyncPage[], options: ApplyOptions = {}): Promise<AppliedPage[]> {
  try {
    await trx.transaction(async (sp) => {
      const applied: AppliedPage[] = [];
      for (const page of pages) applied.push(await applyPage(sp, target, page, options));
      throw new DryRunDone(applied);
    });
  } catch (err) {
    if (err instanceof DryRunDone) return err.applied;
    throw err;
  }
  throw new Error('dry run ended without rolling back');
}

/** Applies one page inside the caller's transaction (which holds the page's writes and its digest update). */
export async function applyPage(trx: Tx, target: SyncTarget, page: SyncPage, options: ApplyOptions = {}): Promise<AppliedPage> {
  const { retry, run = {}, ownBatch } = options;
  // A table-backed target: the application's rows first, then the clock (the order the capture takes them),
  // then what the application's statements changed until now, folded (tableBacked/fold.ts).
  if (target.table) await lockAppRows(trx, target.table, uuidsOf(page.entries));
  const now = new Date().toISOString();
  // A partition: every partition's clock, in id order, before anything (a page may move resources between them).
  const set = target.partitions;
  if (set) await lockPartitions(trx, set);
  const { clock } = await lockClock(trx, target.id);
  await foldCapturedChanges(trx, target.table);
  const digest = await readDigest(trx, target.id, target.url);

  const gaps = immediateGaps(page.mode, page.floor, page.ceiling, digest, page.entries.map((e) => e.state));
  if (gaps.length > 0) {
    throw new SDataError(400, {
      sdataCode: 'ApplicationDiagnosis',
      applicationCode: 'SyncGap',
      message: `this endpoint has not got every change the feed assumes from ${gaps.join(', ')}; nothing was applied, run a catch-up pass`,
    });
  }

  // A partition's page may move a resource into any partition: a batch prepared at any of them holds it.
  for (const id of set ? holderIds(set) : [target.id]) await refuseLockedUuids(trx, id, uuidsOf(page.entries), ownBatch);
  const retried = retry ? await retriedEntries(trx, target, retry, ownBatch) : [];
  const pageUuids = uuidsOf([...retried, ...page.entries]);
  const current = await loadVersionsByUuid(trx, target.id, pageUuids);
  // A resource another partition holds live is decided against that version (PROTOCOL.md 2.9).
  const elsewhere = set ? await liveElsewhere(trx, set, target.id, pageUuids) : new Map();
  for (const [uuid, { version }] of elsewhere) current.set(uuid, version);
  const links = await linkCandidates(trx, target, [...retried, ...page.entries], current, ownBatch);

  const planned = planPage({ page, retried, targetUrl: target.url, targetPriority: target.def.priority, clock, digest, now, current, links });

  const keys = await assignKeys(trx, target, planned.writes);
  // A table-backed target writes the application's rows first: what its table refuses is quarantined. A
  // partition quarantines the versions that fall in no partition (or several), and, for a scoped
  // principal's page, those landing in or replacing a resource of a partition it does not reach.
  const plan = target.table
    ? withRefusedWrites(planned, await writeAppRows(trx, target.table, planned.writes.map((w) => ({ ...w, key: keys.get(w.uuid)! }))))
    : set
      ? withRefusedWrites(planned, new Map([...unplaceable(set, planned), ...outOfScope(set, planned, elsewhere)]))
      : planned;
  const self: PartitionMember | undefined = set?.members.find((m) => m.id === target.id);
  const placed = set && self ? placeWrites(set, self, plan.writes.map((w) => ({ ...w, key: keys.get(w.uuid)! })), elsewhere) : undefined;
  try {
    await writeVersions(trx, target.id, placed ? placed.here : plan.writes.map((w) => ({ ...w, key: keys.get(w.uuid)! })));
  } catch (err) {
    if (!(err instanceof SyncStateTaken)) throw err;
    // The unique index on sync states refused the page: nothing of it is kept (the transaction is rolled back).
    throw new SDataError(400, {
      sdataCode: 'BadRequest',
      applicationCode: 'DuplicateSyncState',
      message: 'the page would give two resources one sync state (endpoint, tick), in the page or with a resource already here: a tick names one change of one resource; nothing of the page was applied',
    });
  }
  await parkConflicts(
    trx,
    target.id,
    plan.conflicts.map((c) => ({ ...c, key: c.key ?? keys.get(c.uuid)! })),
    run,
  );
  await quarantineEntries(
    trx,
    target.id,
    plan.entries
      .filter((p) => p.outcome.kind === 'quarantined' && !p.entry.retry)
      .map((p) => ({ uuid: p.entry.uuid, entry: p.entry.raw, ceiling: page.ceiling, diagnoses: p.diagnoses })),
    run,
  );
  for (const p of plan.entries) {
    if (!p.entry.retry) continue;
    const k = p.outcome.kind;
    await settleFailure(trx, p.entry.retry.failureId, k === 'quarantined' ? 'open' : k === 'ignored' ? 'superseded' : 'applied', k === 'quarantined' ? p.diagnoses : undefined);
  }
  await raiseDigestEntries(
    trx,
    target.id,
    plan.digest.entries.filter((e) => e.endpoint !== target.url),
  );
  if (plan.clock !== clock) await setClock(trx, target.id, plan.clock, now);
  if (set && self && placed) await applyMoves(trx, set, self, placed);
  await markLinkedBelow(trx, target.id, target.url, linkedBelow(page.ceiling, target.url));
  return { plan, keys };
}

/**
 * The kind's link rule and the local resources that entries with unknown UUIDs may link to (PROTOCOL.md 2.8);
 * undefined for a kind without `link`. A candidate held by a prepared batch refuses the page (409 Transient).
 */
async function linkCandidates(trx: Tx, target: SyncTarget, entries: DecodedEntry[], current: Map<string, StoredVersion>, ownBatch?: string): Promise<PageInput['links']> {
  const rule = target.def.kind.link;
  if (!rule) return undefined;
  const candidates = await findLinkCandidates(trx, target.id, rule, entries, current);
  await refuseLockedUuids(trx, target.id, candidates.map((c) => c.uuid), ownBatch);
  return { rule, candidates };
}

/** The distinct UUIDs of these entries. */
export function uuidsOf(entries: DecodedEntry[]): string[] {
  return [...new Set(entries.map((e) => e.uuid).filter((u): u is string => !!u))];
}

/**
 * Open quarantined entries to try again, decoded against today's configuration of the kind, but none of a
 * resource a prepared batch holds (they wait for a later page).
 */
async function retriedEntries(trx: DbOrTx, target: SyncTarget, retry: 'open' | number[], ownBatch?: string): Promise<DecodedEntry[]> {
  const failures: FailureRecord[] = await openFailures(trx, target.id, RETRIES_PER_PAGE, retry === 'open' ? undefined : retry);
  const decoded = failures.map((f) => ({ ...decodeEntry(f.entry as QuarantinedEntry, target.def), retry: { failureId: f.id, ceiling: f.ceiling } }));
  const held = await lockedUuids(trx, target.id, uuidsOf(decoded), ownBatch);
  return decoded.filter((e) => !e.uuid || !held.has(e.uuid));
}

/**
 * Keeps the local key of known resources and gives new ones keys in the application's style (a table-backed
 * endpoint: from its key column's default when it has one).
 */
async function assignKeys(trx: Tx, target: SyncTarget, writes: StoredVersion[]): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  const fresh = writes.filter((w) => !w.key);
  for (const w of writes) if (w.key) keys.set(w.uuid, w.key);
  if (fresh.length > 0) {
    const allocated = target.table?.keyDefault
      ? await allocateAppKeys(trx, target.table, fresh.length)
      : target.partitions
        ? await allocateKeys(trx, target.partitions.kindId, target.def.keys, fresh.length, holderIds(target.partitions))
        : await allocateKeys(trx, target.id, target.def.keys, fresh.length);
    fresh.forEach((w, i) => keys.set(w.uuid, allocated[i]));
  }
  return keys;
}
