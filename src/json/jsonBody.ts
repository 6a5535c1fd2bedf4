/**
 * Reading a JSON request body, bounded: its size is already bounded by the body reader
 * (`server.bodyLimitBytes`); its nesting is bounded here (a resource is at most an entry, a child list, a row
 * and a value deep, so 8 levels is generous). Malformed JSON is a 400 MalformedJson naming the position
 * JSON.parse reports; too deep a document is a 400 JsonTooDeep. Nothing is read before both checks pass.
 */
import { badRequest } from '../protocol/diagnosis';

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
  return value;
}
