/**
 * Progress of a pass on the terminal: a bar per kind (entries done of the selection's opensearch
 * totalResults) when stderr is a TTY, else one plain line per page (cli-progress is loaded only for bars).
 */
import type { SingleBar } from 'cli-progress';
import type { PassProgress } from '../engine/pass';

export interface ProgressView {
  update(p: PassProgress): void;
  stop(): void;
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  let bar: SingleBar | undefined;
  let kind = '';
  const finish = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(p) {
      if (p.type === 'kind') {
        finish();
        kind = p.kind;
        return;
      }
      const total = Math.max(p.totalResults ?? 0, p.entriesDone);
      if (!bar) {
        const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
        bar = new SingleBar({ stream, format: ' {kind} [{bar}] {value}/{total} entries | page {page} | {eta_formatted} left', hideCursor: true }, Presets.shades_classic);
        bar.start(total, 0, { kind, page: 0 });
      }
      bar.setTotal(total);
      bar.update(p.entriesDone, { kind, page: p.page });
    },
    stop: finish,
  };
}

function lineView(stream: NodeJS.WritableStream): ProgressView {
  return {
    update(p) {
      if (p.type === 'kind') stream.write(`${p.kind}: ${p.source} -> ${p.target}\n`);
      else stream.write(`${p.kind}: page ${p.page}, ${p.entries} entries (${p.entriesDone}${p.totalResults !== undefined ? ` of ${p.totalResults}` : ''})\n`);
    },
    stop() {},
  };
}

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? barView(stream) : lineView(stream);
}

/** Runs work that reports progress, with a view on stderr that is closed when the work ends (however it ends). */
export async function withProgress<T>(start: Extract<PassProgress, { type: 'kind' }>, work: (update: (p: PassProgress) => void) => Promise<T>): Promise<T> {
  const view = progressView();
  view.update(start);
  try {
    return await work((p) => view.update(p));
  } finally {
    view.stop();
  }
}
