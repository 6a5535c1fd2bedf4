/**
 * The list parameters of a resource query: `orderBy=a desc,b` (core 6.3), `select=name,email` and
 * `include=account` (core 6.5, 7.2). Each item is checked against the kind's properties; a problem is a
 * QueryError with the 1-based position of the item in the parameter's text.
 */
import { QueryError } from './errors';
import type { QuerySchema, ScalarFieldType } from './typed';

export interface SortKey {
  name: string;
  type: ScalarFieldType;
  descending: boolean;
}

const MAX_ITEMS = 32;
const ITEM = /^\s*(\S+)(?:\s+(\S+))?\s*$/;

/** The items of a comma-separated list with their 1-based positions (empty items refused). */
function itemsOf(parameter: QueryError['parameter'], text: string): { text: string; pos: number }[] {
  const items: { text: string; pos: number }[] = [];
  let pos = 1;
  for (const part of text.split(',')) {
    if (part.trim() === '') throw new QueryError(parameter, pos, 'expected a property name');
    items.push({ text: part, pos: pos + (part.length - part.trimStart().length) });
    pos += part.length + 1;
  }
  if (items.length > MAX_ITEMS) throw new QueryError(parameter, items[MAX_ITEMS].pos, `at most ${MAX_ITEMS} properties`);
  return items;
}

function unknown(parameter: QueryError['parameter'], pos: number, name: string, schema: QuerySchema, what = 'property'): never {
  throw new QueryError(parameter, pos, `unknown ${what} '${name}' (${schema.kind} has ${Object.keys(schema.fields).join(', ')})`);
}

/** `orderBy`: scalar properties, each optionally followed by `asc` (the default) or `desc`. */
export function parseOrderBy(text: string, schema: QuerySchema): SortKey[] {
  const seen = new Set<string>();
  return itemsOf('orderBy', text).map(({ text: item, pos }) => {
    const m = ITEM.exec(item);
    if (!m) throw new QueryError('orderBy', pos, `expected a property name and at most one direction (asc or desc), not '${item.trim().slice(0, 80)}'`);
    const [, name, direction] = m;
    const field = Object.hasOwn(schema.fields, name) ? schema.fields[name] : undefined;
    if (!field) unknown('orderBy', pos, name, schema);
    if (field!.type === 'reference') throw new QueryError('orderBy', pos, `'${name}' is a reference: sort by a scalar property`);
    if (seen.has(name)) throw new QueryError('orderBy', pos, `'${name}' is given twice`);
    seen.add(name);
    const dir = direction?.toLowerCase();
    if (dir !== undefined && dir !== 'asc' && dir !== 'desc') throw new QueryError('orderBy', pos + item.trim().indexOf(direction!), `expected asc or desc, not '${direction}'`);
    return { name, type: field!.type as ScalarFieldType, descending: dir === 'desc' };
  });
}

/**
 * `select` or `include`: property names of the kind, each once; `include` takes references only. `*` (all
 * properties) and `$` names (SData's `$children`, `$descriptors`, ...: our payloads always carry children)
 * are let through and left out of the list; undefined means no restriction (`select=*`).
 */
export function parseNames(parameter: 'select' | 'include', text: string, properties: Readonly<Record<string, { type: string }>>, schema: QuerySchema): string[] | undefined {
  const names: string[] = [];
  let all = false;
  for (const { text: item, pos } of itemsOf(parameter, text)) {
    const name = item.trim();
    if (name === '*') all = true;
    if (name === '*' || name.startsWith('$')) continue;
    const def = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (!def) unknown(parameter, pos, name, schema);
    if (parameter === 'include' && def!.type !== 'reference') throw new QueryError(parameter, pos, `'${name}' is not a reference: include names references`);
    if (!names.includes(name)) names.push(name);
  }
  return all ? undefined : names;
}
