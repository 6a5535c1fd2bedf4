/**
 * A version's sync state in SData JSON, with the fields of the Atom `sync:syncState` by their local names
 * (`$conflicts` versions, a `$failures` entry as sent):
 *
 *   { "endpoint": "{ep}", "tick": 12, "stamp": "…", "user": "ann",
 *     "knowledge": { "digestEntry": [ { "endpoint", "tick", "stamp", "conflictPriority" } ] } }
 *
 * `user` and `knowledge` only when the version has them, as in Atom.
 */
import type { Digest, SyncState } from '../protocol/types';
import { digestEntriesJson } from './digestJson';

export function syncStateJson(state: SyncState, knowledge?: Digest): Record<string, unknown> {
  return {
    endpoint: state.endpoint,
    tick: state.tick,
    stamp: state.stamp,
    ...(state.user !== undefined && state.user !== '' ? { user: state.user } : {}),
    ...(knowledge !== undefined && knowledge.entries.length > 0 ? { knowledge: { ...(knowledge.origin !== undefined ? { origin: knowledge.origin } : {}), digestEntry: digestEntriesJson(knowledge) } } : {}),
  };
}
