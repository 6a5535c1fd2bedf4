/**
 * An endpoint's digest (PROTOCOL.md 1, 2.3, 3.2). Its own entry is not stored as a digest row: it is the
 * endpoint's clock, clock stamp and priority. Entries for other endpoints are `digest_entries` rows.
 * Ticks of those rows only move up (GREATEST), except through the administrative PUT $syncDigest.
 */
import type { DbOrTx, Tx } from './db';
import type { Digest, DigestEntry } from '../protocol/types';
import { SDataError } from '../protocol/diagnosis';
import { lockClock } from './clock';

/** A row of the digest read: the endpoint's clock, with one entry for another endpoint (none: nulls). */
interface DigestRow {
  clock: number | string;
  clock_stamp: Date | string;
  priority: number;
  remote_url: string | null;
  tick: number | string | null;
  stamp: Date | string | null;
  remote_priority: number | null;
}

/**
 * The endpoint's digest: its own entry first, then the other endpoints it knows, by URL. One statement (one
 * snapshot, one round trip): the endpoint's row joined with its digest rows.
 */
export async function readDigest(db: DbOrTx, endpointId: number, ownUrl: string): Promise<Digest> {
  const rows = await db('endpoints as e')
    .leftJoin('digest_entries as d', 'd.endpoint_id', 'e.id')
    .select<DigestRow[]>('e.clock', 'e.clock_stamp', 'e.priority', 'd.remote_url', 'd.tick', 'd.stamp', 'd.priority as remote_priority')
    .where('e.id', endpointId)
    .orderBy('d.remote_url');
  const own = rows[0];
  if (!own) throw new Error(`readDigest: no endpoint ${endpointId}`);
  return {
    origin: ownUrl,
    entries: [
      { endpoint: ownUrl, tick: Number(own.clock), stamp: new Date(own.clock_stamp).toISOString(), conflictPriority: own.priority },
      ...rows.filter((r) => r.remote_url !== null).map((r) => ({ endpoint: r.remote_url!, tick: Number(r.tick), stamp: new Date(r.stamp!).toISOString(), conflictPriority: r.remote_priority! })),
    ],
  };
}

/**
 * Adds or raises entries for OTHER endpoints: tick = GREATEST(old, new), the stamp moves only with the
 * tick, the priority is the one given. The caller leaves out the endpoint's own entry.
 */
export async function raiseDigestEntries(trx: DbOrTx, endpointId: number, entries: DigestEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({ endpoint_id: endpointId, remote_url: e.endpoint, tick: e.tick, stamp: e.stamp, priority: e.conflictPriority }));
  await trx('digest_entries')
    .insert(rows)
    .onConflict(['endpoint_id', 'remote_url'])
    .merge({
      // Every SET expression sees the old row, so the stamp compares against the old tick.
      stamp: trx.raw('CASE WHEN excluded.tick > digest_entries.tick THEN excluded.stamp ELSE digest_entries.stamp END'),
      tick: trx.raw('GREATEST(digest_entries.tick, excluded.tick)'),
      priority: trx.raw('excluded.priority'),
    });
}

/**
 * PUT $syncDigest (administration): the given digest replaces the entries for other endpoints (ticks may
 * go down, entries left out are forgotten) and their priorities; the own entry may change the endpoint's
 * priority but never its clock: a lower own tick is ignored, a higher one (ticks never given out) is refused.
 * Takes the clock lock so it never interleaves with a page being applied.
 */
export async function putDigest(trx: Tx, endpointId: number, ownUrl: string, digest: Digest): Promise<void> {
  if (digest.origin !== undefined && digest.origin !== ownUrl) {
    throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidDigest', message: `the digest's origin ${digest.origin} is not this endpoint (${ownUrl})`, payloadPath: 'digest/origin' });
  }
  digest.entries.forEach((e, i) => {
    if (!isAbsoluteUrl(e.endpoint)) {
      throw new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidDigest', message: `'${e.endpoint}' is not an absolute http(s) URL`, payloadPath: `digest/digestEntry[${i + 1}]/endpoint` });
    }
  });
  const { clock } = await lockClock(trx, endpointId);
  const own = digest.entries.find((e) => e.endpoint === ownUrl);
  if (own && own.tick > clock) {
    throw new SDataError(400, {
      sdataCode: 'BadRequest',
      applicationCode: 'InvalidDigest',
      message: `the own tick ${own.tick} is above this endpoint's clock ${clock}: ticks not given out yet cannot be claimed`,
      payloadPath: 'digest/digestEntry/tick',
    });
  }
  if (own) await trx('endpoints').update({ priority: own.conflictPriority }).where('id', endpointId);
  await trx('digest_entries').where('endpoint_id', endpointId).delete();
  const others = digest.entries.filter((e) => e.endpoint !== ownUrl);
  if (others.length > 0) {
    await trx('digest_entries').insert(others.map((e) => ({ endpoint_id: endpointId, remote_url: e.endpoint, tick: e.tick, stamp: e.stamp, priority: e.conflictPriority })));
  }
}

function isAbsoluteUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
