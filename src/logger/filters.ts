/** Query parameters of the logger's feeds: paging (startIndex, count) and the run and event filters. */
import { acceptedRequestId } from '../http/requestId';
import { SDataError, type Severity } from '../protocol/diagnosis';
import { runStates, type EventFilter, type RunFilter, type RunState } from './records';
import { boundedIntegerOf } from '../protocol/boundedValues';
import { readDate, readDatetime } from '../protocol/values';

type Query = Record<string, unknown>;

const SEVERITIES: Severity[] = ['Info', 'Warning', 'Transient', 'Error', 'Fatal'];

const bad = (message: string): SDataError => new SDataError(400, { sdataCode: 'BadQueryParameter', message });

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`${name} must be given once`);
  return v;
}

function positiveInt(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const n = boundedIntegerOf(v, 1);
  if (n === undefined) throw bad(`${name} must be a positive integer up to ${Number.MAX_SAFE_INTEGER}, not '${v.slice(0, 40)}'`);
  return n;
}

/**
 * An RFC 3339 date-time (no offset: UTC) or a date (its midnight, UTC), in the years 1 to 9999 (UTC) that a
 * PostgreSQL timestamp holds as the ISO text it is sent as.
 */
function date(q: Query, name: string): Date | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const day = readDate(v);
  const iso = readDatetime(v) ?? (day ? `${day}T00:00:00.000Z` : undefined);
  const d = iso === undefined ? undefined : new Date(iso);
  if (!d || d.getUTCFullYear() < 1) throw bad(`${name} must be a date-time such as 2026-12-07T10:00:00Z, or a date, in the years 1 to 9999, not '${v.slice(0, 40)}'`);
  return d;
}

export function pagingOf(q: Query, defaultCount: number, maxCount: number): { startIndex: number; count: number } {
  return { startIndex: positiveInt(q, 'startIndex') ?? 1, count: Math.min(positiveInt(q, 'count') ?? defaultCount, maxCount) };
}

/** `severity=Error,Fatal` (exact list) or `minSeverity=Warning` (that one and every graver one). */
function severitiesOf(q: Query): Severity[] | undefined {
  const list = one(q, 'severity');
  const min = one(q, 'minSeverity');
  if (list !== undefined && min !== undefined) throw bad('give severity or minSeverity, not both');
  if (list !== undefined) {
    const items = list.split(',').map((s) => s.trim());
    const unknown = items.filter((s) => !SEVERITIES.includes(s as Severity));
    if (unknown.length) throw bad(`unknown severity ${unknown.join(', ')} (one of ${SEVERITIES.join(', ')})`);
    return items as Severity[];
  }
  if (min !== undefined) {
    const at = SEVERITIES.indexOf(min as Severity);
    if (at < 0) throw bad(`unknown severity ${min} (one of ${SEVERITIES.join(', ')})`);
    return SEVERITIES.slice(at);
  }
  return undefined;
}

export function runFilterOf(q: Query): RunFilter & { state?: RunState } {
  const state = one(q, 'state');
  if (state !== undefined && !(runStates as readonly string[]).includes(state)) throw bad(`state must be one of ${runStates.join(', ')}`);
  return {
    runName: one(q, 'runName'),
    runStamp: one(q, 'runStamp'),
    endpoint: one(q, 'endpoint'),
    state: state as RunState | undefined,
    since: date(q, 'since'),
    until: date(q, 'until'),
  };
}

export function eventFilterOf(q: Query): EventFilter {
  const { state: _state, ...run } = runFilterOf(q);
  const requestId = one(q, 'requestId');
  if (requestId !== undefined && acceptedRequestId(requestId) === undefined) throw bad('requestId must be 1 to 128 letters, digits, dots, underscores, colons or hyphens');
  return { ...run, runId: positiveInt(q, 'runId'), requestId, severities: severitiesOf(q) };
}

/** The filter parameters that were given, to repeat them in paging links. */
export function givenParams(q: Query, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = q[n];
    if (typeof v === 'string') out[n] = v;
  }
  return out;
}

export const RUN_FILTER_PARAMS = ['runName', 'runStamp', 'endpoint', 'state', 'since', 'until'];
export const EVENT_FILTER_PARAMS = ['runName', 'runStamp', 'endpoint', 'runId', 'requestId', 'severity', 'minSeverity', 'since', 'until'];
