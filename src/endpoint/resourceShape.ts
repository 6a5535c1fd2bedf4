/**
 * Payload control (core 6.5, 7.2): `select` keeps only the named properties of each payload (keys, UUID,
 * URL and sync metadata always stay); `include` writes the referenced resource inside its reference
 * element, read in one batch per reference property from the endpoint of the referenced kind (a
 * reference to a missing or deleted resource stays a bare reference).
 */
import { keyUrl } from '../atom/resourceXml';
import type { IncludedResource } from '../atom/payloadWrite';
import { findResourcesByUuid, type Resource } from '../store/resources';
import type { ResourceFeedQuery } from './resourceQuery';
import type { ResourceTarget } from './serviceContext';
import { holdersOf } from './localEndpoint';

export type ShapedResource = Resource & { included?: Record<string, IncludedResource> };

const uuidOf = (v: unknown): string | undefined => (v && typeof v === 'object' && typeof (v as { uuid?: unknown }).uuid === 'string' ? (v as { uuid: string }).uuid : undefined);

/** The endpoint of a kind of the same application dataset, as the request reaches it (its scope, PROTOCOL.md 3.3). */
export function siblingEndpoint(t: ResourceTarget, kind: string) {
  const { app } = t.endpoint.def;
  return t.reach(t.runtime.catalog.endpoint({ app: app.name, contract: app.contract, dataset: app.dataset, kind }));
}

export async function shapeResources(t: ResourceTarget, resources: Resource[], shape: Pick<ResourceFeedQuery, 'select' | 'include'>): Promise<ShapedResource[]> {
  const { select, include } = shape;
  const shaped: ShapedResource[] = resources.map((r) => (select ? { ...r, values: Object.fromEntries(select.filter((p) => p in r.values).map((p) => [p, r.values[p]])) } : { ...r }));
  for (const property of include) {
    const def = t.endpoint.def.kind.properties[property];
    if (def.type !== 'reference') continue;
    const target = siblingEndpoint(t, def.kind);
    const uuids = [...new Set(resources.map((r) => uuidOf(r.values[property])).filter((u): u is string => u !== undefined))];
    const found = await findResourcesByUuid(target.db, holdersOf(target), uuids);
    shaped.forEach((r, i) => {
      const ref = found.get(uuidOf(resources[i].values[property]) ?? '');
      if (!ref || ref.deleted || !(property in r.values)) return;
      r.included = { ...r.included, [property]: { kind: target.def.kind, resource: { key: ref.key, uuid: ref.uuid, url: keyUrl(target.url, ref.key), values: ref.values } } };
    });
  }
  return shaped;
}
