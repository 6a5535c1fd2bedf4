/** What `sdata-sync pass` does (its options are declared in commands/pass.ts): one catch-up pass between two endpoints (or every kind of two applications). */
import { loadCommandSettings } from '../../config/commandSettings';
import { commandClient, loggerDestinations } from '../../engine/configured';
import { credentialOfOptions } from '../credentials';
import { PassFailed, runPass, type PassSummary } from '../../engine/pass';
import { parseSDataUrl } from '../../engine/urls';
import { commandLog, createLog } from '../log';
import { progressView } from '../progress';
import { formatSummary } from '../summary';
import { CommandExit, UsageError } from '../usage';

export interface PassCliOptions {
  source: string;
  target: string;
  log?: string[];
  results?: boolean;
  runName: string;
  kinds?: string;
  pageSize?: number;
  stopAfterPages?: number;
  config?: string;
  json?: boolean;
  user?: string;
  tokenEnv?: string;
}

function checkLevels(source: string, target: string): void {
  let s, t;
  try {
    s = parseSDataUrl(source);
    t = parseSDataUrl(target);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (s.level !== t.level) throw new UsageError('--source and --target must both be endpoint URLs or both application URLs');
}

function print(summary: PassSummary, json: boolean | undefined, error?: string): void {
  if (json) process.stdout.write(`${JSON.stringify(error ? { ...summary, error } : summary)}\n`);
  else process.stdout.write(`${formatSummary(summary)}\n${error ? `failed: ${error}\n` : ''}`);
}

export async function runPassCommand(o: PassCliOptions): Promise<void> {
  checkLevels(o.source, o.target);
  const kinds = o.kinds?.split(',').map((k) => k.trim()).filter(Boolean);
  if (kinds && parseSDataUrl(o.source).level !== 'application') throw new UsageError('--kinds needs application URLs');
  const auth = credentialOfOptions(o);
  const cfg = loadCommandSettings(o.config);
  const progress = progressView();
  // Log lines go through the progress view: above its bar, never through it.
  const log = commandLog(cfg, 'sdata-sync pass', progress);
  const e = cfg.engine;
  const client = commandClient(e, o.runName, log, auth);
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('stopping after the current page (a second signal exits at once)\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary: PassSummary;
  try {
    summary = await runPass({
      source: o.source,
      target: o.target,
      client,
      loggers: loggerDestinations(o.log ?? e.loggers, process.env, auth),
      postResults: o.results ?? e.postResults,
      kinds,
      pageSize: o.pageSize ?? e.pageSize,
      stopAfterPages: o.stopAfterPages,
      shouldStop: () => stop,
      onProgress: (p) => progress.update(p),
      // The pass's own line (route, outcome, counts, request id) at the configured level, beside the summary.
      log: createLog(cfg.log.level, 'sdata-sync pass', progress),
    });
  } catch (err) {
    if (!(err instanceof PassFailed)) throw err;
    progress.stop();
    print(err.summary, o.json, err.message);
    throw new CommandExit(1);
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  print(summary, o.json);
  if (summary.failures > 0) throw new CommandExit(1);
}
