/**
 * Applying one page of a sync feed at a target in ONE transaction (PROTOCOL.md 2.3: the data changes of a
 * page and its digest update commit together): lock the clock, read digest and stored versions, plan the
 * page (protocol/pagePlan), then write versions, parked conflicts, quarantined entries, digest and clock
 * with set-based statements.
 *
 * A page may not touch a resource held by a prepared two-phase batch (409 Transient, nothing applied);
 * a batch's own `$commit` applies its pages here, the same way, with `ownBatch` set. `dryRunPages`
 * applies pages inside a savepoint and rolls them back: how a prepare checks a page completely.
 */
import type { Db, DbOrTx, Tx } from './db';
import type { KeyStyle } from '../config/schema';
import type { Digest, SyncMode } from '../protocol/types';
import { SDataError } from '../protocol/diagnosis';
import { immediateGaps, planPage, type DecodedEntry, type PagePlan, type StoredVersion } from '../protocol/pagePlan';
import { lockClock, setClock } from './clock';
import { allocateKeys } from './keys';
import { readDigest, raiseDigestEntries } from './digests';
import { loadVersionsByUuid, SyncStateTaken, writeVersions } from './versions';
import { parkConflicts } from './conflicts';
import { openFailures, quarantineEntries, settleFailure, type FailureRecord } from './failures';
import { lockedUuids, refuseLockedUuids } from './preparedBatches';
import { withRefusedWrites } from '../protocol/refusedWrites';
import { allocateAppKeys, lockAppRows, writeAppRows, type AppTable } from './tableBacked/appRows';
import { foldCapturedChanges } from './tableBacked/fold';

export interface SyncTarget {
  id: number;
  url: string;
  priority: number;
  keys: KeyStyle;
  /** A table-backed endpoint: the application's table is written with the versions. */
  table?: AppTable;
}

export interface PageToApply {
  mode: SyncMode;
  ceiling: Digest;
  floor?: Digest;
  isLastPage: boolean;
  entries: DecodedEntry[];
  runName?: string;
  runStamp?: string;
  /** Quarantined entries to try again with this page: 'open' (the oldest open ones), or these IDs. */
  retry?: 'open' | number[];
  /** Turns a quarantined entry back into a decoded one (payload checked against today's configuration). */
  decodeQuarantined?: (entry: unknown) => DecodedEntry;
  /** The prepared batch being committed: its own locks do not refuse the page. */
  ownBatch?: string;
  /** Runs inside the transaction after the writes (e.g. to store the result in the context). */
  alsoInTransaction?: (trx: Tx, applied: AppliedPage) => Promise<void>;
}

export interface AppliedPage {
  plan: PagePlan;
  /** Local key of every resource the page wrote, by UUID. */
  keys: Map<string, string>;
}

/** How many quarantined entries are retried with each page. */
const RETRIES_PER_PAGE = 100;

export async function applySyncPage(db: Db, target: SyncTarget, page: PageToApply): Promise<AppliedPage> {
  try {
    return await db.transaction((trx) => applyPageIn(trx, target, page));
  } catch (err) {
    // The database chose this page's transaction to break a lock cycle (e.g. with an application's own
    // statements on a table-backed endpoint's rows): nothing of it was kept, and the same page can come again.
    const code = (err as { code?: string })?.code;
    if (code !== '40P01' && code !== '40001') throw err;
    throw new SDataError(503, { severity: 'Transient', sdataCode: 'ApplicationUnavailable', applicationCode: code === '40P01' ? 'Deadlock' : 'SerializationFailure', message: 'the page met concurrent writes of the same rows and was rolled back; nothing of it was applied, send it again' });
  }
}

/** Thrown inside a dry run's savepoint to roll it back with what the pages would have done. */
class DryRunDone extends Error {
  constructor(readonly applied: AppliedPage[]) {
    super('dry run rolled back');
  }
}

/** What applying these pages in order would do, computed by applying them and rolling back. */
export async function dryRunPages(trx: Tx, target: SyncTarget, pages: PageToApply[]): Promise<AppliedPage[]> {
  try {
    await trx.transaction(async (sp) => {
      const applied: AppliedPage[] = [];
      for (const page of pages) applied.push(await applyPageIn(sp, target, page));
      throw new DryRunDone(applied);
    });
  } catch (err) {
    if (err instanceof DryRunDone) return err.applied;
    throw err;
  }
  throw new Error('dry run ended without rolling back');
}

/** Applies one page inside the caller's transaction (which holds the page's writes and its digest update). */
export async function applyPageIn(trx: Tx, target: SyncTarget, page: PageToApply): Promise<AppliedPage> {
  // A table-backed target: the application's rows first, then the clock (the order the capture takes them),
  // then what the application's statements changed until now, folded (tableBacked/fold.ts).
  if (target.table) await lockAppRows(trx, target.table, uuidsOf(page.entries));
  const now = new Date().toISOString();
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

  await refuseLockedUuids(trx, target.id, uuidsOf(page.entries), page.ownBatch);
  const retried = page.retry && page.decodeQuarantined ? await retriedEntries(trx, target.id, page.retry, page.decodeQuarantined, page.ownBatch) : [];
  const entries = [...retried, ...page.entries];
  const uuids = uuidsOf(entries);
  const current = await loadVersionsByUuid(trx, target.id, uuids);

  const planned = planPage({
    targetUrl: target.url,
    targetPriority: target.priority,
    clock,
    digest,
    mode: page.mode,
    ceiling: page.ceiling,
    floor: page.floor,
    isLastPage: page.isLastPage,
    now,
    entries,
    current,
  });

  const keys = await assignKeys(trx, target, planned.writes);
  // A table-backed target writes the application's rows first: what its table refuses is quarantined.
  const plan = target.table ? withRefusedWrites(planned, await writeAppRows(trx, target.table, planned.writes.map((w) => ({ ...w, key: keys.get(w.uuid)! })))) : planned;
  try {
    await writeVersions(trx, target.id, plan.writes.map((w) => ({ ...w, key: keys.get(w.uuid)! })));
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
    plan.conflicts.map((c) => ({ ...c, key: keys.get(c.uuid)! })),
    page,
  );
  await quarantineEntries(
    trx,
    target.id,
    plan.entries
      .filter((p) => p.outcome.kind === 'quarantined' && !p.entry.retry)
      .map((p) => ({ uuid: p.entry.uuid, entry: p.entry.raw, ceiling: page.ceiling, diagnoses: p.diagnoses })),
    page,
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
  const applied = { plan, keys };
  if (page.alsoInTransaction) await page.alsoInTransaction(trx, applied);
  return applied;
}

/** The distinct UUIDs of these entries. */
export function uuidsOf(entries: DecodedEntry[]): string[] {
  return [...new Set(entries.map((e) => e.uuid).filter((u): u is string => !!u))];
}

/** Open quarantined entries to try again, but none of a resource a prepared batch holds (they wait for a later page). */
async function retriedEntries(trx: DbOrTx, endpointId: number, retry: 'open' | number[], decode: (entry: unknown) => DecodedEntry, ownBatch?: string): Promise<DecodedEntry[]> {
  const failures: FailureRecord[] = await openFailures(trx, endpointId, RETRIES_PER_PAGE, retry === 'open' ? undefined : retry);
  const decoded = failures.map((f) => ({ ...decode(f.entry), retry: { failureId: f.id, ceiling: f.ceiling } }));
  const held = await lockedUuids(trx, endpointId, uuidsOf(decoded), ownBatch);
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
    const allocated = target.table?.keyDefault ? await allocateAppKeys(trx, target.table, fresh.length) : await allocateKeys(trx, target.id, target.keys, fresh.length);
    fresh.forEach((w, i) => keys.set(w.uuid, allocated[i]));
  }
  return keys;
}

/**
 * Tries the target's open quarantined entries again, without a page of new entries (no entry, not a last
 * page: the digest does not move; a retried entry's digest moved when it first came). How an entry waiting
 * for a referenced row is applied once that row arrives at another endpoint of the store.
 */
export async function retryOpenIn(trx: Tx, target: SyncTarget, decodeQuarantined: (entry: unknown) => DecodedEntry, run: Pick<PageToApply, 'runName' | 'runStamp'> = {}): Promise<AppliedPage> {
  return applyPageIn(trx, target, { mode: 'catchUp', ceiling: { entries: [] }, isLastPage: false, entries: [], retry: 'open', decodeQuarantined, ...run });
}
