/**
 * jest test sequencer: the files expected to take longest start first, so that no worker runs one long file
 * alone at the end of the run. jest's own order uses the durations of earlier runs on this machine; a fresh
 * clone (as in CI) has none and jest falls back to file size, which puts a short end-to-end file, minutes of
 * process starts, last. Here a file without a recorded duration is given an estimate by its kind: an
 * end-to-end file (real processes) 40 s, a database file (`*.db.test.ts`) 10 s, any other 2 s, with its
 * size (1 s per 10 kB) to order files of one kind. Files with a recorded duration keep it.
 * Plain JavaScript: jest loads its sequencer without transforming it.
 */
const Sequencer = require('@jest/test-sequencer').default;
const { sep } = require('node:path');

/** Seconds a file is expected to take when no earlier run on this machine recorded it. */
function estimatedSeconds(path, bytes) {
  const base = path.includes(`${sep}e2e${sep}`) ? 40 : path.endsWith('.db.test.ts') ? 10 : 2;
  return base + bytes / 10_000;
}

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const expected = (test) => {
      const recorded = this.time(test);
      return recorded != null ? recorded / 1000 : estimatedSeconds(test.path, test.context.hasteFS.getSize(test.path) ?? 0);
    };
    const seconds = new Map(tests.map((t) => [t, expected(t)]));
    // Files that failed last time still come first, as in jest's own order.
    return [...tests].sort((a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || seconds.get(b) - seconds.get(a));
  }
}

module.exports = LongestFirstSequencer;
