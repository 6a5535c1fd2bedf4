/**
 * Errors the engine meets talking to endpoints, with the sdata diagnoses they answered, and the one rule
 * that decides whether trying again can help (Transient diagnoses, 5xx, 408/429, unreachable endpoints).
 */
import type { Diagnosis } from '../protocol/diagnosis';

export class EndpointError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    /** HTTP status; undefined when no answer came (refused, reset, timed out). */
    readonly status: number | undefined,
    readonly diagnoses: Diagnosis[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EndpointError';
  }

  /** True when the same request may succeed later. */
  get transient(): boolean {
    if (this.status === undefined) return true;
    if (this.status >= 500 || this.status === 408 || this.status === 429) return true;
    return this.diagnoses.some((d) => d.severity === 'Transient');
  }
}

export function isTransient(err: unknown): boolean {
  return err instanceof EndpointError && err.transient;
}

/** A one-line description of an error for logs and summaries. */
export function describeError(err: unknown): string {
  if (err instanceof EndpointError) {
    const codes = err.diagnoses.map((d) => [d.sdataCode, d.applicationCode].filter(Boolean).join('/')).join(', ');
    return `${err.message}${codes ? ` [${codes}]` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}
