/** A resource as applications and integrators see it: one stored version with its identity and sync state. */
import type { Digest, SyncState } from '../protocol/types';

/** A resource's values as stored (the payload as JSON: scalars, reference UUIDs, child lists). */
export type ResourceValues = Record<string, unknown>;

export interface Resource {
  endpointId: number;
  key: string;
  uuid: string;
  values: ResourceValues;
  deleted: boolean;
  etag: string;
  state: SyncState;
  knowledge?: Digest;
}

