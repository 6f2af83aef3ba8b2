// One build for the three processes: main (+ CLI, sampling worker and import worker), preload, renderer.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { rmSync } from 'node:fs';

const native = ['electron', 'better-sqlite3', 'onnxruntime-node'];
const only = process.argv[2]; // 'main' | 'renderer' | undefined (both)

async function buildMain() {
  rmSync('dist/main', { recursive: true, force: true });
  rmSync('dist/preload', { recursive: true, force: true });
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, external: native, logLevel: 'warning' };
  await esbuild({
    ...common,
    entryPoints: {
      electron: 'src/main/electron.ts',
      cli: 'src/main/cli/index.ts',
      'sampling-worker': 'src/main/engine/worker.ts',
      'import-worker': 'src/main/services/import-worker.ts',
    },
    outdir: 'dist/main',
  });
  // A sandboxed preload may require only 'electron': bundle everything else into it.
  await esbuild({ ...common, entryPoints: ['src/preload/index.ts'], outfile: 'dist/preload/index.js', external: ['electron'] });
}

async function buildRenderer() {
  await viteBuild({ configFile: 'vite.config.mts', logLevel: 'warn' });
}

if (only !== 'renderer') await buildMain();
if (only !== 'main') await buildRenderer();
console.log(`built ${only ?? 'main, preload and renderer'} into dist/`);
