/**
 * Query parameters of the resource routes, $batch, $schema and $syncDigest.
 *
 * - Parameters starting with `_` are ignored (client cache busters such as `_t=...`, `_includeContent`).
 * - `select`, `include`, `precedence`, `language` are ignored where a route does not read them: they only
 *   shape payloads, and a full payload is a superset of what was asked (resource GETs read `select` and
 *   `include`, resourceQuery.ts).
 * - `runName` and `runStamp` are ignored: an engine tags every request of a run with them (PROTOCOL.md 6).
 * - `format` is accepted when it asks for Atom or XML (`atom`, `atomfeed`, `atomentry`, `xml`), or for JSON
 *   (`json`, `application/json`) on a route that serves JSON (it lists `format` among the parameters it
 *   uses; format.ts); any other format is a 400, since the client would misread the answer.
 * - Every other parameter a route does not use is a 400 BadQueryParameter: a filter (`where`, `search`)
 *   or an ordering (`orderBy`) where a route has none, or a misspelt paging parameter (`startindex`,
 *   `cout`), would otherwise silently change what the client gets.
 * - A parameter given twice is a 400.
 * - A partition's `where` taken by the route (partitionRoute.ts) is let through.
 */
import type { Request } from 'express';
import { SDataError } from '../protocol/diagnosis';
import { isServedFormat } from './format';
import { boundedIntegerOf } from '../protocol/boundedValues';

const IGNORED = new Set(['select', 'include', 'precedence', 'language', 'runName', 'runStamp']);

const badParam = (message: string): SDataError => new SDataError(400, { sdataCode: 'BadQueryParameter', message });

/** The parameter's single value, or undefined; 400 when given more than once. */
export function singleParam(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badParam(`${name} must be given once`);
  return v;
}

/** Parameters the route has taken already (a partition's `where`, endpoint/partitionRoute.ts), by request. */
const taken = new WeakMap<Request, Set<string>>();

/** Marks a parameter as taken by the route: the handler's query check lets it through. */
export function takeParam(req: Request, name: string): void {
  taken.set(req, new Set([...(taken.get(req) ?? []), name]));
}

/** The parameter's single value as the handler's own, or undefined: a parameter the route took (a partition's `where`) is not the handler's. */
export function ownParam(req: Request, name: string): string | undefined {
  return taken.get(req)?.has(name) ? undefined : singleParam(req, name);
}

/** Refuses parameters this route does not understand (see the header for what is let through). */
export function checkQuery(req: Request, used: readonly string[]): void {
  for (const name of Object.keys(req.query as Record<string, unknown>)) {
    if (name.startsWith('_') || IGNORED.has(name) || taken.get(req)?.has(name)) continue;
    if (name === 'format') {
      const format = singleParam(req, name) ?? '';
      if (!isServedFormat(format, used.includes('format'))) throw badParam(`format '${format}' is not served here: answers are ${used.includes('format') ? 'Atom XML or JSON' : 'Atom XML'}`);
      continue;
    }
    if (!used.includes(name)) throw badParam(`query parameter '${name}' is not supported here${used.length ? ` (supported: ${used.join(', ')})` : ''}`);
  }
}

function integerParam(req: Request, name: string, min: number): number | undefined {
  const v = singleParam(req, name);
  if (v === undefined) return undefined;
  const n = boundedIntegerOf(v, min);
  if (n === undefined) throw badParam(`${name} must be an integer from ${min} to ${Number.MAX_SAFE_INTEGER}, not '${v.slice(0, 40)}'`);
  return n;
}

export interface Paging {
  /** 1-based index of the first entry of the page. */
  startIndex: number;
  /** Entries per page (default and maximum from config; a larger count is cut to the maximum). */
  count: number;
}

export const PAGING_PARAMS = ['startIndex', 'count'] as const;

export function pagingOf(req: Request, defaultCount: number, maxCount: number): Paging {
  const startIndex = integerParam(req, 'startIndex', 1) ?? 1;
  const count = Math.min(integerParam(req, 'count', 0) ?? defaultCount, maxCount);
  return { startIndex, count };
}

/** A `true`/`false` parameter. */
export function booleanParam(req: Request, name: string, fallback: boolean): boolean {
  const v = singleParam(req, name);
  if (v === undefined) return fallback;
  if (v !== 'true' && v !== 'false') throw badParam(`${name} must be true or false, not '${v}'`);
  return v === 'true';
}
