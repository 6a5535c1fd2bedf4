/**
 * jest reporter: at the end of a run, the test files that took longest (ten by default, the `count` option),
 * each with its time in its worker, so that a file growing slow shows in every run's output.
 * Plain JavaScript: jest loads reporters without transforming them.
 */
const { relative } = require('node:path');

class SlowestFilesReporter {
  /**
   * @param {import('@jest/types').Config.GlobalConfig} globalConfig
   * @param {{ count?: number }} options
   */
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.count = options.count ?? 10;
  }

  /**
   * @param {unknown} _contexts
   * @param {import('@jest/test-result').AggregatedResult} results
   */
  onRunComplete(_contexts, results) {
    const files = results.testResults
      .map((r) => ({ file: relative(this.rootDir, r.testFilePath), seconds: (r.perfStats.end - r.perfStats.start) / 1000 }))
      .filter((f) => Number.isFinite(f.seconds) && f.seconds > 0)
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, this.count);
    if (files.length === 0) return;
    const total = (Date.now() - results.startTime) / 1000;
    const lines = files.map((f) => `  ${f.seconds.toFixed(1).padStart(7)} s  ${f.file}`);
    process.stderr.write(`\nSlowest ${files.length} test files (run: ${total.toFixed(1)} s):\n${lines.join('\n')}\n`);
  }
}

module.exports = SlowestFilesReporter;
