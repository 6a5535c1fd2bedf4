/**
 * Reading a JSON request body, bounded: its size is already bounded by the body reader
 * (`server.bodyLimitBytes`); its nesting is bounded here (a resource is at most an entry, a child list, a row
 * and a value deep, so 8 levels is generous), and so are the keys of one object (MAX_PROPERTIES, as the
 * child elements of an XML payload). Malformed JSON is a 400 MalformedJson naming the position JSON.parse
 * reports; too deep a document is a 400 JsonTooDeep, an object with too many keys a 400 JsonTooManyKeys; a
 * string (a value or a property name) holding a character XML 1.0 cannot carry (protocol/xmlText.ts:
 * U+0000, U+0001, U+FFFE, U+FFFF, a lone surrogate, …) is a 400 ForbiddenCharacter whose payloadPath names
 * the property (`email`, `lines/$resources/2/qty`): what is stored must be servable in every XML feed.
 * Nothing is read before these checks pass.
 */
import { MAX_PROPERTIES } from '../atom/payloadRead';
import { badRequest } from '../protocol/diagnosis';
import { forbiddenCharMessage, forbiddenInValue } from '../protocol/xmlText';

export const MAX_JSON_DEPTH = 8;

/**
 * The nesting depth of a parsed JSON value (a scalar is 0) and the most keys of one of its objects, walked
 * without recursion; the walk stops at the first object over either limit.
 */
function jsonShape(value: unknown): { depth: number; keys: number } {
  let depth = 0;
  let keys = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, level] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    depth = Math.max(depth, level + 1);
    const children = Array.isArray(v) ? v : Object.values(v);
    if (!Array.isArray(v)) keys = Math.max(keys, children.length);
    if (depth > MAX_JSON_DEPTH || keys > MAX_PROPERTIES) break;
    for (const child of children) stack.push([child, level + 1]);
  }
  return { depth, keys };
}

export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`malformed JSON: ${(err as Error).message}`, 'MalformedJson');
  }
  const shape = jsonShape(value);
  if (shape.depth > MAX_JSON_DEPTH) throw badRequest(`the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`, 'JsonTooDeep');
  if (shape.keys > MAX_PROPERTIES) throw badRequest(`an object of the JSON body has ${shape.keys} keys, over the limit of ${MAX_PROPERTIES}`, 'JsonTooManyKeys');
  const forbidden = forbiddenInValue(value);
  if (forbidden) {
    const where = forbidden.path === '' ? 'the JSON body' : `'${forbidden.path}'`;
    throw badRequest(`${where} holds ${forbiddenCharMessage(forbidden.found)}; nothing was stored`, 'ForbiddenCharacter', forbidden.path || undefined);
  }
  return value;
}
