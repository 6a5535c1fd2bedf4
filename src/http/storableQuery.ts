/**
 * The query string of every request of the three HTTP apps, checked once before any handler reads it: a
 * parameter whose name or value holds U+0000 (`%00`) is a 400 BadQueryParameter, since no value the
 * database stores or compares (PostgreSQL text) can hold that character.
 */
import type { NextFunction, Request, Response } from 'express';
import { isStorableText } from '../protocol/boundedValues';
import { SDataError } from '../protocol/diagnosis';

function storable(v: unknown): boolean {
  if (typeof v === 'string') return isStorableText(v);
  if (Array.isArray(v)) return v.every(storable);
  if (typeof v === 'object' && v !== null) return Object.entries(v).every(([k, x]) => isStorableText(k) && storable(x));
  return true;
}

export function storableQuery() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const bad = Object.entries(req.query as Record<string, unknown>).find(([name, v]) => !isStorableText(name) || !storable(v));
    if (bad) {
      next(new SDataError(400, { sdataCode: 'BadQueryParameter', message: `query parameter '${bad[0].replace(/\u0000/g, '\\0').slice(0, 80)}' holds U+0000, which no value can hold` }));
      return;
    }
    next();
  };
}
