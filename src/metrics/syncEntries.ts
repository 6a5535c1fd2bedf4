/**
 * What a target did with the sync entries it was given, by endpoint (its URL path, bounded by the
 * configuration) and outcome, counted where a page is applied (a $syncTarget page, a two-phase commit, a
 * $retry): applied (written), skipped (nothing to change), conflict (decided, the loser parked; an entry
 * matching several local resources, parked with each), linked (to a local resource by its link properties,
 * PROTOCOL.md 2.8) and quarantined (parked at $failures). A quarantined entry retried with a later page counts again with its
 * new outcome.
 */
import { Counter, type Registry } from 'prom-client';
import type { EntryOutcome, PlannedEntry } from '../protocol/pagePlan';

type EntryOutcomeLabel = 'applied' | 'skipped' | 'conflict' | 'linked' | 'quarantined';

const LABEL: Record<EntryOutcome['kind'], EntryOutcomeLabel> = { applied: 'applied', ignored: 'skipped', conflict: 'conflict', linked: 'linked', ambiguous: 'conflict', quarantined: 'quarantined' };

/** The URL path of an endpoint URL: the same series whatever host name or port the server is reached by. */
export const endpointLabel = (endpointUrl: string): string => new URL(endpointUrl).pathname;

export class SyncEntryMetrics {
  private readonly entries: Counter<'endpoint' | 'outcome'>;

  constructor(registry: Registry) {
    this.entries = new Counter({ name: 'sdata_sync_entries_total', help: 'Sync entries a target applied, skipped, decided as a conflict, linked or quarantined, by endpoint', labelNames: ['endpoint', 'outcome'], registers: [registry] });
  }

  /** Starts every outcome of these endpoints at 0, so that a series exists (and rates work) before the first page. */
  known(endpointUrls: readonly string[]): void {
    for (const url of endpointUrls) for (const outcome of Object.values(LABEL)) this.entries.inc({ endpoint: endpointLabel(url), outcome }, 0);
  }

  /** Counts the entries of applied pages (called once their transaction committed). */
  applied(endpointUrl: string, entries: readonly PlannedEntry[]): void {
    const counts = new Map<EntryOutcomeLabel, number>();
    for (const p of entries) counts.set(LABEL[p.outcome.kind], (counts.get(LABEL[p.outcome.kind]) ?? 0) + 1);
    const endpoint = endpointLabel(endpointUrl);
    for (const [outcome, n] of counts) this.entries.inc({ endpoint, outcome }, n);
  }
}
