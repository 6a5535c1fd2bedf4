/** A pass summary as lines of text for people, or as JSON for scripts. */
import type { KindPassSummary, PassSummary } from '../engine/pass';

function countsLine(s: KindPassSummary | PassSummary): string {
  return (
    `${s.entries} entries in ${s.pages} page${s.pages === 1 ? '' : 's'}, ${s.seconds.toFixed(2)} s (${s.entriesPerSecond} entries/s): ` +
    `${s.created} created, ${s.updated} updated, ${s.deleted} deleted, ${s.conflicts} conflicts, ${s.failures} failures, ${s.skipped} skipped` +
    (s.warnings > 0 ? ` (${s.warnings} with warnings)` : '')
  );
}

export function formatSummary(s: PassSummary): string {
  const lines = s.kinds.map((k) => `${k.kind}${k.state === 'cut' ? ' (cut)' : ''}: ${countsLine(k)}`);
  if (s.kinds.length !== 1) lines.push(`total${s.state === 'cut' ? ' (cut)' : ''}: ${countsLine(s)}`);
  return lines.join('\n');
}
