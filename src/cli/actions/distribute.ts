/**
 * What `sdata-sync distribute` does (its options: commands/distribute.ts): one source endpoint to several targets, one-phase (an ordinary pass to each) or
 * two-phase (all or nothing); or a distribution of the engine configuration by name (its targets, clusters
 * and phases). Exit 0 when every target has the changes, 1 when the distribution aborted or a target failed.
 */
import { loadCommandSettings } from '../../config/commandSettings';
import type { DistributionConfig } from '../../config/engineSchema';
import type { DistributionSummary } from '../../engine/distributionSummary';
import { runScope } from '../../engine/scope';
import { commandClient, loggerDestinations } from '../../engine/configured';
import { credentialOf } from '../../security/credentials';
import { credentialOfOptions } from '../credentials';
import { commandLog } from '../log';
import { CommandExit, endpointUrlOption, UsageError } from '../usage';

export interface DistributeCliOptions {
  source?: string;
  targets?: string;
  twoPhase?: boolean;
  timeout?: number;
  name?: string;
  config?: string;
  log?: string[];
  runName?: string;
  pageSize?: number;
  json?: boolean;
  user?: string;
  tokenEnv?: string;
}

/** The scope to run: the configured distribution named, or the one the options describe. */
function scopeOf(o: DistributeCliOptions, configured: DistributionConfig[]): DistributionConfig {
  if (o.name) {
    if (o.source || o.targets) throw new UsageError('--name takes the source and targets from the configuration; leave out --source and --targets');
    const found = configured.find((d) => d.name === o.name);
    if (!found) throw new UsageError(`no distribution '${o.name}' in engine.distributions (${configured.map((d) => d.name).join(', ') || 'none configured'})`);
    return { ...found, ...(o.twoPhase ? { phases: 2 } : {}), ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}) };
  }
  if (!o.source || !o.targets) throw new UsageError('give --source and --targets, or --name and --config');
  const targets = o.targets.split(',').map((t) => t.trim()).filter(Boolean);
  if (targets.length === 0) throw new UsageError('--targets needs at least one URL');
  return {
    name: 'distribute',
    source: endpointUrlOption(o.source, '--source'),
    targets: targets.map((t) => endpointUrlOption(t, '--targets')),
    clusters: [],
    phases: o.twoPhase ? 2 : 1,
    timeoutSeconds: o.timeout ?? 30,
  };
}

function describe(s: DistributionSummary): string {
  const head = `${s.phases === 2 ? 'two-phase' : 'one-phase'} distribution from ${s.source}: ${s.phases === 2 ? (s.decision === 'commit' ? 'committed' : 'aborted') : s.decision === 'commit' ? 'done' : 'failed'} (${s.seconds.toFixed(2)} s)`;
  const lines = s.targets.map((t) => {
    const counts = t.counts ? `: ${t.counts.created} created, ${t.counts.updated} updated, ${t.counts.deleted} deleted, ${t.counts.conflicts} conflicts, ${t.counts.skipped} skipped` : '';
    const why = t.diagnoses.length > 0 ? ` (${t.diagnoses.map((d) => d.message).join('; ')})` : '';
    return `  ${t.target}: ${t.vote}, ${t.outcome}${counts}${why}`;
  });
  const source = s.sourceDiagnoses.map((d) => `  source ${s.source}: ${d.message}`);
  return [head, ...source, ...lines].join('\n');
}

export async function runDistributeCommand(o: DistributeCliOptions): Promise<void> {
  if (o.name && !o.config) throw new UsageError('--name needs --config (the engine configuration holding engine.distributions)');
  const cfg = loadCommandSettings(o.config);
  const scope = scopeOf(o, cfg.engine.distributions);
  const log = commandLog(cfg, 'sdata-sync distribute');
  const auth = credentialOfOptions(o) ?? credentialOf(scope.auth);
  const client = commandClient(cfg.engine, o.runName ?? scope.name, log, auth);
  const summaries = await runScope(scope, { client, loggers: loggerDestinations(o.log ?? cfg.engine.loggers, process.env, auth), pageSize: o.pageSize ?? cfg.engine.pageSize, log });
  for (const s of summaries) process.stdout.write(o.json ? `${JSON.stringify(s)}\n` : `${describe(s)}\n`);
  const ok = summaries.every((s) => s.decision === 'commit' && s.targets.every((t) => t.outcome === 'committed' || t.outcome === 'done'));
  if (!ok) throw new CommandExit(1);
}
