/**
 * The layers of src/main, lowest first. A layer may import the layers named in its `may` list and itself; test
 * files (*.test.ts) and src/main/testing are exempt. The picture and the reasons: docs/architecture.md, "Layers
 * inside the main process".
 */
const LAYERS = [
  { type: 'shared', pattern: 'src/shared/**', may: [] },
  { type: 'package', pattern: 'package.json', may: [] },
  { type: 'domain', pattern: 'src/main/domain.ts', may: ['shared'] },
  { type: 'locations', pattern: 'src/main/locations.ts', may: [] },
  { type: 'security', pattern: 'src/main/security.ts', may: ['shared'] },
  { type: 'store', pattern: 'src/main/store/**', may: ['shared', 'domain'] },
  { type: 'io', pattern: 'src/main/io/**', may: ['shared', 'domain', 'package'] },
  { type: 'pacs', pattern: 'src/main/pacs/**', may: ['shared', 'domain'] },
  { type: 'jobs', pattern: 'src/main/jobs/**', may: ['shared'] },
  { type: 'engine', pattern: 'src/main/engine/**', may: ['shared', 'domain', 'io'] },
  // The app context (context.ts) is the services' own: it holds the triage service, and every service takes it.
  { type: 'services', pattern: ['src/main/services/**', 'src/main/context.ts'], may: ['shared', 'domain', 'locations', 'store', 'io', 'pacs', 'jobs', 'engine', 'package'] },
  { type: 'app', pattern: 'src/main/app.ts', may: ['shared', 'locations', 'store', 'pacs', 'jobs', 'engine', 'services', 'package'] },
  { type: 'transports', pattern: 'src/main/transports/**', may: ['shared', 'security', 'services', 'app'] },
  { type: 'cli', pattern: 'src/main/cli/**', may: ['shared', 'domain', 'locations', 'io', 'engine', 'services', 'app', 'transports', 'package'] },
  { type: 'electron', pattern: 'src/main/electron.ts', may: ['shared', 'locations', 'security', 'pacs', 'engine', 'services', 'app', 'transports'] },
  { type: 'testing', pattern: ['src/main/testing/**', 'src/main/engine/fixtures/**', 'src/main/**/*.test.ts'], may: null },
];

export const MAIN_ELEMENTS = [...LAYERS]
  // The test-only element first, so that engine/fixtures is testing rather than engine.
  .sort((a, b) => (a.type === 'testing' ? -1 : b.type === 'testing' ? 1 : 0))
  .map(({ type, pattern }) => ({ type, pattern, mode: 'full' }));

const ALL = LAYERS.map((l) => l.type);

export const MAIN_LAYER_POLICIES = [
  // Packages (node:*, zod, electron...) are not layers: which process may use which is the other rules' concern.
  { allow: { to: { module: { origin: ['external', 'core'] } } } },
  ...LAYERS.map(({ type, may }) => ({
    from: { element: { type } },
    allow: { to: { element: { types: { anyOf: may === null ? ALL : [type, ...may] } } } },
  })),
];
