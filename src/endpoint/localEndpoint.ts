/**
 * A registered endpoint as local changes and resource reads see it: a partitioned kind's (PROTOCOL.md 2.9)
 * resources are held by its partitions, and its changes go to the partition the values fall in.
 */
import type { RegisteredEndpoint } from '../store/endpoints';
import { readableIds } from '../store/partitionSet';
import type { LocalEndpoint } from '../store/resources';

export function localEndpointOf(e: RegisteredEndpoint): LocalEndpoint {
  return { id: e.id, url: e.url, keys: e.def.keys, properties: e.def.kind.properties, table: e.table, partitions: e.partitions };
}

/**
 * The endpoints whose rows hold an endpoint's resources as a reader sees them: its own, or every partition
 * of its kind (those the request's scope reaches, PROTOCOL.md 3.3).
 */
export function holdersOf(e: RegisteredEndpoint): number | number[] {
  return e.partitions ? readableIds(e.partitions) : e.id;
}
