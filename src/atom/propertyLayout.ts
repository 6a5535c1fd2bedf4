/**
 * A property list (of a kind or of a child row) in configuration order and by element name, computed once
 * per configuration object: reading and writing many payloads (payloadRead.ts, payloadWrite.ts) does no
 * per-call configuration work.
 */
import type { PropertyConfig } from '../config/schema';

interface PropertyLayout {
  properties: [string, PropertyConfig][];
  byName: Map<string, PropertyConfig>;
}

const layouts = new WeakMap<object, PropertyLayout>();

export function layoutOf(properties: Record<string, PropertyConfig>): PropertyLayout {
  let layout = layouts.get(properties);
  if (!layout) {
    const list = Object.entries(properties);
    layout = { properties: list, byName: new Map(list) };
    layouts.set(properties, layout);
  }
  return layout;
}
