#!/usr/bin/env -S node --max-old-space-size=1024
// The heap limit is what makes V8 collect at under 2x the live heap instead of 4x (its factor once the limit
// is 2 GB or more): a server's memory stays flat over a long pass (about 190 MB at 100,000 records), at no
// measurable cost in speed. Processes started another way should pass the same option (NODE_OPTIONS works).
// Runs the compiled CLI when present (npm run build), else the TypeScript sources through tsx.
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (fs.existsSync(compiled)) require(compiled);
else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
