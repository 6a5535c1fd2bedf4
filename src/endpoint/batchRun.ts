/**
 * Running the entries of a `$batch` request (read by atom/batchXml) in ONE transaction, in request order.
 * Each entry gets its own status: an entry that cannot be done (its payload is wrong, its key is taken or
 * unknown, its If-Match fails) is refused alone, before it writes anything, and the others go on.
 *
 * Runs of consecutive creates are written set-based with one tick range; when a run holds a create that is
 * refused, that run is done again one create at a time so that only the refused one fails.
 */
import type { BatchRequest, BatchResult } from '../atom/batchXml';
import type { Tx } from '../store/db';
import { SDataError } from '../protocol/diagnosis';
import { createResources, deleteResource, findLiveResource, updateResource, type LocalEndpoint, type NewResource, type Resource } from '../store/resources';
import { newResourceOf } from './newResource';
import { readableIds } from '../store/partitionSet';

type Refused = Extract<BatchRequest, { refused: SDataError }>;
type Runnable = Exclude<BatchRequest, Refused>;

const SUCCESS: Record<string, number> = { POST: 201, PUT: 200, DELETE: 200, GET: 200 };

async function resultOf(request: Runnable | { method: 'POST'; id?: string }, work: () => Promise<Resource>): Promise<BatchResult> {
  try {
    return { method: request.method, status: SUCCESS[request.method], resource: await work() };
  } catch (err) {
    if (err instanceof SDataError) return { method: request.method, status: err.status, error: err, id: request.id };
    throw err;
  }
}

/** Who makes the changes (recorded as sync:user), and the kind's payload element name. */
interface BatchOf {
  element: string;
  user?: string;
}

function single(trx: Tx, ep: LocalEndpoint, r: Exclude<Runnable, { method: 'POST' }>, { element, user }: BatchOf): Promise<BatchResult> {
  switch (r.method) {
    case 'GET':
      return resultOf(r, () => findLiveResource(trx, ep.partitions ? readableIds(ep.partitions) : ep.id, r.key));
    case 'PUT':
      return resultOf(r, () => {
        const item = newResourceOf(r.payload, element);
        return updateResource(trx, ep, r.key, item.values, r.ifMatch, { uuid: item.uuid, user });
      });
    case 'DELETE':
      return resultOf(r, () => deleteResource(trx, ep, r.key, r.ifMatch, user));
  }
}

async function createRun(trx: Tx, ep: LocalEndpoint, run: Extract<Runnable, { method: 'POST' }>[], { element, user }: BatchOf): Promise<BatchResult[]> {
  const items: (NewResource | SDataError)[] = run.map((r) => {
    try {
      return newResourceOf(r.payload, element);
    } catch (err) {
      if (err instanceof SDataError) return err;
      throw err;
    }
  });
  if (items.every((i) => !(i instanceof SDataError))) {
    try {
      return (await createResources(trx, ep, items as NewResource[], user)).map((resource) => ({ method: 'POST', status: 201, resource }));
    } catch (err) {
      // createResources refuses before it writes anything, so the run can be done again one by one.
      if (!(err instanceof SDataError) || run.length === 1) throw err;
    }
  }
  const out: BatchResult[] = [];
  for (let i = 0; i < run.length; i++) {
    const item = items[i];
    out.push(
      await resultOf(run[i], async () => {
        if (item instanceof SDataError) throw item;
        return (await createResources(trx, ep, [item], user))[0];
      }),
    );
  }
  return out;
}

/** Runs every entry; the results are in request order. */
export async function runBatch(trx: Tx, ep: LocalEndpoint, requests: BatchRequest[], of: BatchOf): Promise<BatchResult[]> {
  const out: BatchResult[] = [];
  let i = 0;
  while (i < requests.length) {
    const r = requests[i];
    if ('refused' in r) {
      out.push({ method: r.method, status: r.refused.status, error: r.refused, id: r.id });
      i += 1;
    } else if (r.method === 'POST') {
      const run: Extract<Runnable, { method: 'POST' }>[] = [];
      while (i < requests.length) {
        const next = requests[i];
        if ('refused' in next || next.method !== 'POST') break;
        run.push(next as Extract<Runnable, { method: 'POST' }>);
        i += 1;
      }
      out.push(...(await createRun(trx, ep, run, of)));
    } else {
      out.push(await single(trx, ep, r, of));
      i += 1;
    }
  }
  return out;
}
