/**
 * The layer order of src/ (dependencies point downwards only), checked by test/layers.test.ts. A folder
 * imports only from the layers below its own; folders on one line are peers that import none of each other
 * (engine/, endpoint/ and logger/ are three processes' code). No import circles, at any level.
 * A new folder of src/ gets its place here in the same change.
 */
const LAYERS = [
  ['cli'],
  ['engine', 'endpoint', 'logger'],
  ['metrics'],
  ['http'],
  ['security'],
  ['store'],
  ['query'],
  ['json'],
  ['atom'],
  ['config'],
  ['protocol'],
];

const folders = (names) => `^src/(${names.join('|')})/`;

/** For each folder: the folders it may not import (every layer above it, and its peers). */
const layerRules = LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    const above = LAYERS.slice(0, i).flat();
    const peers = layer.filter((f) => f !== folder);
    return {
      name: `layer-${folder}`,
      severity: 'error',
      comment: `src/${folder}/ imports only from the layers below it${peers.length ? ` (not from its peers ${peers.join(', ')})` : ''}`,
      from: { path: folders([folder]) },
      to: { path: folders([...above, ...peers]) },
    };
  }),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'modules of src/ do not import each other in a loop (type-only imports included)',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'protocol-pure',
      severity: 'error',
      comment: 'src/protocol/ is pure: no I/O, no framework or package imports',
      from: { path: '^src/protocol/' },
      to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
