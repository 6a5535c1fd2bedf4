/**
 * Which format an answer is written in (SData core 3.15): Atom XML by default; SData JSON when the request
 * says `format=json` (what Sage's JavaScript client sends), `format=application/json` (what the page
 * writes) or prefers `application/json` in its Accept header (`application/json,*\/*`). `format=atom` (or
 * `atomfeed`, `atomentry`, `xml`) asks for Atom whatever the Accept header says. A merged Accept list such as
 * `*\/*, application/atom+xml;type=feed,*\/*` gets Atom (express's negotiator: quality, then specificity, then
 * the order below). Sync feeds, tracking and result feeds stay Atom: only the routes that list `format`
 * among their parameters answer JSON.
 */
import type { Request, Response } from 'express';

export type AnswerFormat = 'atom' | 'json';

const ATOM_FORMATS = new Set(['atom', 'atomfeed', 'atomentry', 'xml', 'application/atom+xml']);
const JSON_FORMATS = new Set(['json', 'application/json']);

const JSON_TYPE = 'application/json';

/** True when a route serves this `format` value (JSON only where `jsonServed`). */
export function isServedFormat(format: string, jsonServed: boolean): boolean {
  const f = format.toLowerCase();
  return ATOM_FORMATS.has(f) || (jsonServed && JSON_FORMATS.has(f));
}

/** The format asked for; never throws (the error handler uses it too, before any parameter was checked). */
export function answerFormat(req: Request): AnswerFormat {
  const format = req.query.format;
  if (typeof format === 'string') return JSON_FORMATS.has(format.toLowerCase()) ? 'json' : 'atom';
  if (!req.get('accept')) return 'atom';
  return req.accepts(['application/atom+xml', 'application/xml', JSON_TYPE]) === JSON_TYPE ? 'json' : 'atom';
}

/** True when a request body is JSON by its Content-Type (`application/json`, `…+json`). */
export function isJsonBody(req: Request): boolean {
  const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  return type === JSON_TYPE || type.endsWith('+json');
}

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type(JSON_TYPE).send(JSON.stringify(body));
}
