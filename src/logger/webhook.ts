/**
 * The logger's webhook: for every result post holding Error or Fatal diagnoses, one POST of JSON
 * `{ logger, run, events: [...] }` to the configured URL; and for every alert rule's transition one POST of
 * `{ logger, alert, at }` (alerting.ts). Best effort: a failure is logged, never retried.
 */
import type { Logger } from 'pino';
import type { AlertPost } from './alerting';
import type { EventRecord, RunKey } from './records';

export const ALERT_SEVERITIES = new Set(['Error', 'Fatal']);

export interface WebhookPayload {
  logger: string;
  run: RunKey & { id: number };
  events: EventRecord[];
}

export async function callWebhook(url: string, payload: WebhookPayload | AlertPost, timeoutMillis: number, log?: Logger): Promise<void> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMillis),
    });
    await res.arrayBuffer();
    if (!res.ok) log?.warn({ url, status: res.status }, 'webhook answered an error');
  } catch (err) {
    log?.warn({ url, err: (err as Error).message }, 'webhook call failed');
  }
}
