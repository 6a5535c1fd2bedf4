/**
 * Which endpoint a request to a partitioned kind is for (PROTOCOL.md 2.9):
 *
 *   {kind}/$sync...?where=P, $conflicts, $failures, $linked, $syncResults   the partition P (any spelling of P)
 *   {kind}/$syncDigest|$syncSource|$syncTarget|$syncNotify without P         400 PartitionedKind, naming the partitions
 *   a kind without partitions: $sync..., $linked with a `where`             400 NotPartitioned
 *     ($conflicts and $failures read a `where` as their listing's own filter there)
 *   {kind}, {kind}('KEY'), $batch, $template, $schema, with or without P     the kind: reads cover every
 *                                                                           partition, writes go where the values fall
 *
 * A `where` naming a partition is taken by the route (the handlers' query checks let it through), except on
 * a feed, where it is also the filter that reads the partition's resources.
 */
import type { Request } from 'express';
import { SDataError } from '../protocol/diagnosis';
import { canonicalWhere } from '../protocol/partitions';
import type { RegisteredEndpoint } from '../store/endpoints';
import { takeParam } from './query';
import type { EndpointCatalog } from './runtime';

/** Services of one endpoint's sync state: a partition's, never the partitioned kind's. */
const PARTITION_SERVICES = new Set(['$syncDigest', '$syncSource', '$syncTarget', '$syncNotify', '$syncResults', '$conflicts', '$failures', '$linked']);
/** Services whose listing reads a `where` of its own when it names no partition. */
const FILTERED_LISTINGS = new Set(['$conflicts', '$failures']);
/** The sync URLs a partitioned kind refuses without a partition. */
const SYNC_SERVICES = new Set(['$syncDigest', '$syncSource', '$syncTarget', '$syncNotify']);

/** The endpoint a request names: the kind's, or one of its partitions'. */
export function routedEndpoint(catalog: EndpointCatalog, kind: RegisteredEndpoint, req: Request, service: string | undefined, isFeed: boolean): RegisteredEndpoint {
  const set = kind.partitions;
  const where = (req.query as Record<string, unknown>).where;
  if (!set) {
    // A partition URL of a kind this server does not partition names no endpoint: never the whole kind.
    if (where !== undefined && service !== undefined && PARTITION_SERVICES.has(service) && !FILTERED_LISTINGS.has(service)) {
      throw new SDataError(400, { sdataCode: 'BadQueryParameter', applicationCode: 'NotPartitioned', message: `${kind.url} has no partitions: ${service} takes no where` });
    }
    return kind;
  }
  const member = typeof where === 'string' ? set.members.find((m) => m.where === canonicalWhere(where)) : undefined;
  if (service !== undefined && PARTITION_SERVICES.has(service)) {
    if (member) {
      takeParam(req, 'where');
      return catalog.endpoints.find((e) => e.id === member.id && e.db === kind.db)!;
    }
    if (SYNC_SERVICES.has(service)) {
      throw new SDataError(400, {
        sdataCode: 'BadRequest',
        applicationCode: 'PartitionedKind',
        message: `${kind.url} is partitioned: ${service} is served by each partition, at ${set.members.map((m) => `${m.url.replace('?', `/${service}?`)}`).join(', ')}`,
      });
    }
    return kind;
  }
  if (member && !isFeed) takeParam(req, 'where');
  return kind;
}
