/**
 * Requests refused for their credentials, read at scrape time from the security policy's counts:
 * `reason="credentials"` an unknown user or a wrong password (401), `reason="locked_out"` too many wrong
 * passwords of that user from that address, or from that address (429, the password not checked).
 */
import { Counter, type Registry } from 'prom-client';

/** The counts a security policy keeps (security/loginThrottle.ts). */
export interface LoginRefusalCounts {
  readonly failures: number;
  readonly lockedOut: number;
}

export function loginMetrics(registry: Registry, counts: LoginRefusalCounts): void {
  const seen = { failures: 0, lockedOut: 0 };
  new Counter({
    name: 'sdata_auth_refusals_total',
    help: 'Requests refused for their credentials: credentials (unknown user or wrong password, 401), locked_out (too many wrong passwords from that address, 429)',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      this.inc({ reason: 'credentials' }, counts.failures - seen.failures);
      this.inc({ reason: 'locked_out' }, counts.lockedOut - seen.lockedOut);
      seen.failures = counts.failures;
      seen.lockedOut = counts.lockedOut;
    },
  });
}
