/** Bad usage of the command line (exit code 2), the checks of option values that raise it, and exits with a code. */
import { InvalidArgumentError } from 'commander';
import { parseSDataUrl, type SDataUrl } from '../engine/urls';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Ends a command with this exit code, its output already written (e.g. 1 when a pass had failed entries). */
export class CommandExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'CommandExit';
  }
}

/** Commander option parser: a positive integer. */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

/** Commander option parser: an http(s) URL. */
export function httpUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('expected an http or https URL');
  return value;
}

/** Commander option parser for repeatable options: collects every value. */
export function collect<T>(parse: (v: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

/** Commander option parser: a duration in seconds, written `30s`, `1.5s`, `500ms`, `2m` or a bare number of seconds. */
export function durationSeconds(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as 30s, 500ms or 2m');
  const n = Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
  if (n <= 0 || n > 3600) throw new InvalidArgumentError('expected a duration above 0 and at most 1 hour');
  return n;
}

/** An endpoint URL given to `option` (a UsageError for anything else, an application URL included). */
export function endpointUrlOption(url: string, option: string): string {
  let u: SDataUrl;
  try {
    u = parseSDataUrl(url);
  } catch (err) {
    throw new UsageError(`${option}: ${(err as Error).message}`);
  }
  if (u.level !== 'endpoint') throw new UsageError(`${option}: '${url}' is an application URL; this command works on one kind (an endpoint URL)`);
  return u.endpointUrl;
}
