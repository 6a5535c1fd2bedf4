/**
 * Reading a JSON request body, bounded: its size is already bounded by the body reader
 * (`server.bodyLimitBytes`); its nesting is bounded here (a resource is at most an entry, a child list, a row
 * and a value deep, so 8 levels is generous). Malformed JSON is a 400 MalformedJson naming the position
 * JSON.parse reports; too deep a document is a 400 JsonTooDeep; a string (a value or a property name) holding a
 * character XML 1.0 cannot carry (protocol/xmlText.ts: U+0000, U+0001, U+FFFE, U+FFFF, a lone surrogate, …)
 * is a 400 ForbiddenCharacter whose payloadPath names the property (`email`, `lines/$resources/2/qty`): what
 * is stored must be servable in every XML feed. Nothing is read before all three checks pass.
 */
import { badRequest } from '../protocol/diagnosis';
import { forbiddenCharMessage, forbiddenInValue } from '../protocol/xmlText';

export const MAX_JSON_DEPTH = 8;

/** The nesting depth of a parsed JSON value (a scalar is 0), walked without recursion. */
function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    max = Math.max(max, depth + 1);
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}

export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`malformed JSON: ${(err as Error).message}`, 'MalformedJson');
  }
  if (jsonDepth(value) > MAX_JSON_DEPTH) throw badRequest(`the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`, 'JsonTooDeep');
  const forbidden = forbiddenInValue(value);
  if (forbidden) {
    const where = forbidden.path === '' ? 'the JSON body' : `'${forbidden.path}'`;
    throw badRequest(`${where} holds ${forbiddenCharMessage(forbidden.found)}; nothing was stored`, 'ForbiddenCharacter', forbidden.path || undefined);
  }
  return value;
}
