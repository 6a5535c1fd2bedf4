/**
 * The one event-logger record of a distribution (PROTOCOL.md 7): posted as a result feed without entries
 * whose diagnoses are every target's, each message naming its target, with the run metadata of a pass
 * (`source`, `target` = the targets separated by spaces, `kind`, `state`, the summed counts) and `votes`,
 * a JSON list of `{ target, vote, outcome }`. Delivered by the outbox (resultOutbox.ts), as a pass's results
 * are: kept while a logger is down; logging never fails a distribution.
 */
import { canonicalUrl } from '../protocol/endpointUrl';
import { buildResultFeed, type ResultSummary } from '../atom/resultFeed';
import type { DistributionSummary } from './distributionSummary';
import { describeError } from './errors';
import { FEED_TYPE, type SDataClient } from './sdataClient';
import { loggerClient, passOutbox, type Reporting } from './report';
import { serviceUrl, withParams } from '../protocol/serviceUrl';
import { parseSDataUrl } from './urls';

const COUNTS: (keyof ResultSummary)[] = ['created', 'updated', 'deleted', 'conflicts', 'failures', 'skipped'];

function kindOf(url: string): string {
  try {
    const u = parseSDataUrl(url);
    return u.level === 'endpoint' ? u.kind : '';
  } catch {
    return '';
  }
}

export async function reportDistribution(r: Reporting, s: DistributionSummary): Promise<void> {
  const { client, loggers = [] } = r;
  if (loggers.length === 0) return;
  const totals = Object.fromEntries(COUNTS.map((k) => [k, s.targets.reduce((n, t) => n + (t.counts?.[k] ?? 0), 0)])) as unknown as ResultSummary;
  const ok = s.decision === 'commit' && s.targets.every((t) => t.outcome === 'committed' || t.outcome === 'done');
  const target = s.targets.map((t) => canonicalUrl(t.target)).join(' ');
  const feed = buildResultFeed({
    id: serviceUrl(s.source, '$distribution'),
    title: `${s.phases === 2 ? 'Two-phase' : 'One-phase'} distribution from ${s.source}: ${s.decision}`,
    updated: new Date().toISOString(),
    entries: [],
    diagnoses: [...s.sourceDiagnoses.map((d) => ({ ...d, message: `${s.source}: ${d.message}` })), ...s.targets.flatMap((t) => t.diagnoses.map((d) => ({ ...d, message: `${t.target}: ${d.message}` })))],
    runName: client.run.runName,
    runStamp: client.run.runStamp,
    source: s.source,
    target,
    kind: kindOf(s.source),
  });
  const meta = {
    source: canonicalUrl(s.source),
    target,
    kind: kindOf(s.source),
    state: ok ? 'done' : 'failed',
    entries: COUNTS.reduce((n, k) => n + totals[k], 0),
    ...totals,
    votes: JSON.stringify(s.targets.map((t) => ({ target: canonicalUrl(t.target), vote: t.vote, outcome: t.outcome }))),
  };
  const outbox = r.outbox ?? passOutbox(r.log);
  await Promise.all(
    loggers.map((destination) => {
      const { url, client: poster } = loggerClient(client, destination);
      return outbox.post(poster, withParams(url, meta), feed);
    }),
  );
  if (!r.outbox) outbox.close();
}
