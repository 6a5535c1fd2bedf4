/**
 * The entries a route's runs read per minute over the last hour, from the logger's run records: a run
 * counts for the route whose name its runName is, or starts (an immediate or watch route's runs are named
 * `{route} catch-up` and `{route} push`), the longest such name when several fit; its entries count in the
 * minute it started. Pure.
 */
import type { RunRecord } from './records';

export const CHART_MINUTES = 60;

/** The route a run belongs to among `names`: its runName, or the longest name followed by a space. */
export function routeOfRun(runName: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const n of names) if ((runName === n || runName.startsWith(`${n} `)) && (best === undefined || n.length > best.length)) best = n;
  return best;
}

/**
 * For each name, CHART_MINUTES counts, oldest minute first: the last one is the minute of `now` (it
 * grows as the minute goes on).
 */
export function entriesPerMinute(runs: readonly Pick<RunRecord, 'runName' | 'startedAt' | 'entriesRead'>[], names: readonly string[], now: Date): Record<string, number[]> {
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, new Array<number>(CHART_MINUTES).fill(0)]));
  const thisMinute = Math.floor(now.getTime() / 60_000);
  for (const r of runs) {
    const name = routeOfRun(r.runName, names);
    if (name === undefined) continue;
    const ago = thisMinute - Math.floor(Date.parse(r.startedAt) / 60_000);
    if (ago >= 0 && ago < CHART_MINUTES) out[name][CHART_MINUTES - 1 - ago] += r.entriesRead;
  }
  return out;
}
