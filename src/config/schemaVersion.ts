/**
 * The version of a kind's schema (`x:schemaVersion` in `$schema`, PROTOCOL.md 2.7): what its payloads carry,
 * hashed. Two ends of a route whose versions differ do not declare the same properties; the engine warns.
 *
 * The hash covers the payload element's name and, for every property (child rows' too), its name, type,
 * required flag, maxLength, the kind a reference names and a child list's row element. It leaves out what
 * never shows in a payload (table columns, `$template` defaults, keys, sync flags, priority, syncOrder).
 * Stable: properties are taken in name order and every field in a fixed order, so neither the order of the
 * configuration file nor a restart changes it; `v1-` and 16 hex digits of the SHA-256 of that text.
 */
import { createHash } from 'node:crypto';
import type { KindConfig, PropertyConfig } from './schema';

type PropertyShape = [string, string, boolean, number | null, string | null, PropertyShape[] | null];

function shapeOf(name: string, p: PropertyConfig | KindConfig['properties'][string]): PropertyShape {
  if (p.type === 'children') return [name, 'children', false, null, p.element, shapesOf(p.properties)];
  if (p.type === 'reference') return [name, 'reference', p.required, null, p.kind, null];
  return [name, p.type, p.required, p.maxLength ?? null, null, null];
}

function shapesOf(properties: Record<string, PropertyConfig>): PropertyShape[] {
  return Object.keys(properties)
    .sort()
    .map((name) => shapeOf(name, properties[name]));
}

export function kindSchemaVersion(kind: Pick<KindConfig, 'element' | 'properties'>): string {
  const text = JSON.stringify([kind.element, shapesOf(kind.properties)]);
  return `v1-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}
