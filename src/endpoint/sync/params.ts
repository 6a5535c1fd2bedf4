/** Query parameters shared by the sync services: trackingID, runName, runStamp, paging, syncMode. */
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { SDataError } from '../../protocol/diagnosis';
import type { SyncMode } from '../../protocol/types';
import { boundedIntegerOf } from '../../protocol/boundedValues';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function single(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `${name} must be given once` });
  return v;
}

/** A tracking ID: the one given (it must be a UUID), or a new one. */
export function trackingIdOf(req: Request): string {
  const given = single(req, 'trackingID') ?? single(req, 'trackingId');
  if (given === undefined) return randomUUID();
  if (!UUID.test(given)) throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `trackingID '${given}' is not a UUID` });
  return given.toLowerCase();
}

/** The tracking ID in `$syncSource('UUID')`; 404 when it is not a UUID (no such context can exist). */
export function contextIdOf(arg: string | undefined, service: string): string {
  if (!arg || !UUID.test(arg)) throw unknownContext(service, arg ?? '');
  return arg.toLowerCase();
}

export function unknownContext(service: string, id: string): SDataError {
  return new SDataError(404, { sdataCode: 'ApplicationDiagnosis', applicationCode: 'UnknownTrackingId', message: `no ${service} context '${id}' (unknown or expired tracking ID)` });
}

export function runOf(req: Request): { runName?: string; runStamp?: string } {
  return { runName: single(req, 'runName'), runStamp: single(req, 'runStamp') };
}

/** A positive integer query parameter, or the default; 400 BadQueryParameter otherwise. */
export function positiveIntOf(req: Request, name: string, fallback: number, max?: number): number {
  const v = single(req, name);
  if (v === undefined) return fallback;
  const n = boundedIntegerOf(v, 1);
  if (n === undefined) throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `${name} must be a positive integer up to ${Number.MAX_SAFE_INTEGER}, not '${v.slice(0, 40)}'` });
  return max !== undefined ? Math.min(n, max) : n;
}

/** `syncMode` of a `$syncSource` selection: `catchUp` (the default) or `immediate` (a push, PROTOCOL.md 6). */
export function syncModeOf(req: Request): SyncMode {
  const v = single(req, 'syncMode');
  if (v === undefined || v === 'catchUp') return 'catchUp';
  if (v === 'immediate') return 'immediate';
  throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: `syncMode must be catchUp or immediate, not '${v.slice(0, 40)}'` });
}
