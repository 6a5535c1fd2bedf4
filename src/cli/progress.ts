/**
 * Progress of a pass on the terminal: a bar per kind (entries done of the selection's opensearch
 * totalResults) when stderr is a TTY, else one plain line per page (cli-progress is loaded only for bars).
 * The command's log lines, on the same stderr, go through the view (`write`): above the bar while one is
 * drawn (cli-progress's log of a MultiBar, flushed at its next redraw and before it stops), never through it.
 */
import type { MultiBar, SingleBar } from 'cli-progress';
import type { PassProgress } from '../engine/pass';

export interface ProgressView {
  update(p: PassProgress): void;
  /** Writes whole lines (a log line ends with a newline) where they do not mix with the progress. */
  write(lines: string): void;
  stop(): void;
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  let bars: { multi: MultiBar; bar: SingleBar } | undefined;
  let kind = '';
  const finish = () => {
    if (!bars) return;
    bars.multi.update(); // writes the lines logged since the last redraw
    bars.multi.stop();
    bars = undefined;
  };
  return {
    update(p) {
      if (p.type === 'kind') {
        finish();
        kind = p.kind;
        return;
      }
      const total = Math.max(p.totalResults ?? 0, p.entriesDone);
      if (!bars) {
        const { MultiBar, Presets } = require('cli-progress') as typeof import('cli-progress');
        // forceRedraw: a bar whose text is unchanged is drawn again below the lines just logged over it.
        const multi = new MultiBar({ stream, format: ' {kind} [{bar}] {value}/{total} entries | page {page} | {eta_formatted} left', hideCursor: true, forceRedraw: true }, Presets.shades_classic);
        bars = { multi, bar: multi.create(total, 0, { kind, page: 0 }) };
      }
      bars.bar.setTotal(total);
      bars.bar.update(p.entriesDone, { kind, page: p.page });
    },
    write(lines) {
      if (bars) bars.multi.log(lines);
      else stream.write(lines);
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
    write(lines) {
      stream.write(lines);
    },
    stop() {},
  };
}

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? barView(stream) : lineView(stream);
}

/** Runs work that reports progress on `view` (on stderr), which is closed when the work ends (however it ends). */
export async function withProgress<T>(view: ProgressView, start: Extract<PassProgress, { type: 'kind' }>, work: (update: (p: PassProgress) => void) => Promise<T>): Promise<T> {
  view.update(start);
  try {
    return await work((p) => view.update(p));
  } finally {
    view.stop();
  }
}
