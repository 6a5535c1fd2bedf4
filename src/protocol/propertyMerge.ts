/**
 * What a received version's values come to at a target that stores the resource (PROTOCOL.md 2.7): a change
 * carries only the properties its source's kind knows, and a property it does not carry is kept as the
 * target has it. Pure.
 *
 *   property in the received payload (a value, or nil = null) ──> the received value
 *   property absent from the received payload               ──> the target's value, if it has one
 *   child list received: its rows replace the target's rows; a row the target holds (same sdata:uuid)
 *     keeps the row properties the received row does not carry
 *
 * A deleted version has no values; a version received for a resource the target has not got (or holds as a
 * tombstone) is taken as it came.
 */
import type { ChildRow, ResourceValues } from './propertyValues';

function isRowList(v: unknown): v is ChildRow[] {
  return Array.isArray(v);
}

function mergedRows(kept: unknown, received: ChildRow[]): ChildRow[] {
  if (!isRowList(kept)) return received;
  const keptByUuid = new Map(kept.map((row) => [row.uuid, row.values]));
  return received.map((row) => {
    const before = keptByUuid.get(row.uuid);
    return before ? { uuid: row.uuid, values: { ...before, ...row.values } } : row;
  });
}

/**
 * The values a target stores for a received version: `received` over `kept` (the target's current values;
 * undefined when it has none). Only a property the received version carries replaces the kept one.
 */
export function mergeReceivedValues(kept: ResourceValues | undefined, received: ResourceValues): ResourceValues {
  if (!kept) return received;
  const merged: ResourceValues = { ...kept };
  for (const [name, value] of Object.entries(received)) merged[name] = isRowList(value) ? mergedRows(kept[name], value) : value;
  return merged;
}

/** A kind's (or a child row's) declared properties, as far as a full update needs them. */
export interface DeclaredProperties {
  [name: string]: { type: string; properties?: DeclaredProperties };
}

/**
 * The values a full local update (PUT) stores: every declared property the update leaves out is null (the
 * update says it has no value), so a change carries every property its kind knows, and "absent" in a payload
 * only ever means "not known to the source" (PROTOCOL.md 2.7). The rows of a child list given are completed
 * the same way. A value of a property not declared (stored before it was dropped from the kind) is kept.
 */
export function fullUpdateValues(declared: DeclaredProperties, values: ResourceValues): ResourceValues {
  const full: ResourceValues = { ...values };
  for (const [name, def] of Object.entries(declared)) {
    const given = full[name];
    if (given === undefined) full[name] = def.type === 'children' ? [] : null;
    else if (def.type === 'children' && def.properties && isRowList(given)) {
      const rowProps = def.properties;
      full[name] = given.map((row) => ({ uuid: row.uuid, values: fullUpdateValues(rowProps, row.values) as ChildRow['values'] }));
    }
  }
  return full;
}
