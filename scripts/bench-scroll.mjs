// Scroll benchmark of the axial viewer: writes a synthetic 512x512x300 int16 CT as NIfTI, imports it into a real
// `caldiff serve` on a temp data dir, builds the benchmark page (src/renderer/bench/scroll.html) and serves it with
// a same-origin proxy to that server, then drives Debian's Chromium (WebGL through SwiftShader) with playwright-core.
// Prints frames per second for the app's approach (studies.volume once, slice changed on the GPU mapper) and for
// the naive baseline (studies.slice per scroll, new vtk image per slice), and their ratio.
// Run: node scripts/bench-scroll.mjs (after `npm run build`). BENCH_SLICES: slices per measurement (150),
// BENCH_DEPTH: volume depth (300), BENCH_VSYNC=1: keep the 60 Hz cap, BENCH_DEBUG=1: forward the page's console.
/* global window -- the page.evaluate callbacks below run in the browser */
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import readline from 'node:readline';
import os from 'node:os';
import path from 'node:path';

const [NX, NY, NZ] = [512, 512, Number(process.env.BENCH_DEPTH ?? 300)];
const SLICES = Number(process.env.BENCH_SLICES ?? 150);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** A chest-like phantom in HU: body ellipse, two lungs, spine, a vessel that moves with the slice, and noise. */
function phantom() {
  const data = new Int16Array(NX * NY * NZ);
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 40;
  for (let k = 0; k < NZ; k++) {
    const vesselX = 256 + 120 * Math.sin(k / 25);
    for (let j = 0; j < NY; j++)
      for (let i = 0; i < NX; i++) {
        const x = (i - 256) / 220;
        const y = (j - 256) / 160;
        let v = -1000;
        if (x * x + y * y < 1) {
          const lx = (Math.abs(i - 256) - 110) / 70;
          const ly = (j - 240) / 110;
          v = lx * lx + ly * ly < 1 ? -850 : 40;
          if ((i - 256) ** 2 + (j - 360) ** 2 < 900) v = 700;
          if ((i - vesselX) ** 2 + (j - 230) ** 2 < 64) v = 60;
          v += noise();
        }
        data[i + j * NX + k * NX * NY] = v;
      }
  }
  return data;
}

/** A NIfTI-1 single file: 348-byte header, 4 bytes of (no) extension, int16 voxels; 0.7 x 0.7 x 1 mm. */
function niftiOf(data) {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, NX, NY, NZ, 1, 1, 1, 1].forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(4, 70); // datatype int16
  header.writeInt16LE(16, 72); // bitpix
  [1, 0.7, 0.7, 1, 1, 1, 1, 1].forEach((d, i) => header.writeFloatLE(d, 76 + 4 * i));
  header.writeFloatLE(352, 108); // vox_offset
  header.writeFloatLE(1, 112); // scl_slope
  header.writeInt16LE(1, 254); // sform_code: scanner
  [[0.7, 0, 0, 0], [0, 0.7, 0, 0], [0, 0, 1, 0]].forEach((row, r) => row.forEach((v, c) => header.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  header.write('n+1\0', 344, 'latin1');
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

async function startCaldiff(dataDir) {
  const child = spawn(process.execPath, ['bin/caldiff.js', 'serve', '--json', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`caldiff serve exited with ${code}`)));
  });
  const { url, token } = JSON.parse(line);
  return { child, origin: new URL(url).origin, token };
}

const out = mkdtempSync(path.join(os.tmpdir(), 'caldiff-bench-scroll-'));
let caldiff = null;
try {
  await build({
    configFile: false,
    root: 'src/renderer',
    base: './',
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: out, emptyOutDir: false, rollupOptions: { input: path.resolve('src/renderer/bench/scroll.html') } },
  });
  writeFileSync(path.join(out, 'phantom.nii'), niftiOf(phantom()));
  caldiff = await startCaldiff(path.join(out, 'data'));
  const auth = { authorization: `Bearer ${caldiff.token}` };
  const importStart = performance.now();
  const imported = await fetch(`${caldiff.origin}/api/studies/import`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ paths: [path.join(out, 'phantom.nii')] }),
  }).then((r) => r.json());
  const studyId = imported.studies?.[0]?.id;
  if (!studyId) throw new Error(`import failed: ${JSON.stringify(imported).slice(0, 300)}`);
  const importSeconds = (performance.now() - importStart) / 1000;
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const target = new URL(caldiff.origin);
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/api/')) {
      // Same-origin proxy to caldiff serve, so the page talks to the real HTTP bridge.
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      return req.pipe(upstream);
    }
    const file = path.join(out, path.normalize(url.pathname));
    try {
      res.setHeader('content-type', types[path.extname(file)] ?? 'application/octet-stream');
      res.end(readFileSync(file));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Uncapped frame rate: measure what the viewer can draw, not the display's 60 Hz.
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox', ...(process.env.BENCH_VSYNC ? [] : ['--disable-gpu-vsync', '--disable-frame-rate-limit'])],
  });
  const page = await browser.newPage({ viewport: { width: 800, height: 800 } });
  page.on('crash', () => console.error('page crashed'));
  page.on('pageerror', (e) => console.error('page error:', e.message));
  if (process.env.BENCH_DEBUG) page.on('console', (m) => console.error('page:', m.text()));
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/scroll.html?study=${studyId}&token=${caldiff.token}`);
  await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 120_000 });
  const loadSeconds = await page.evaluate(() => window.bench.loadSeconds);
  // Warm up both paths (shader compilation, first texture), then measure each.
  await page.evaluate(() => window.bench.run('volume', 10));
  await page.evaluate(() => window.bench.run('per-slice', 10));
  const ours = await page.evaluate((n) => window.bench.run('volume', n), SLICES);
  const naive = await page.evaluate((n) => window.bench.run('per-slice', n), SLICES);
  await browser.close();
  server.close();
  const line = (r) => `${r.mode.padEnd(9)} ${r.fps.toFixed(1).padStart(6)} frames/s  (${r.frames} slices in ${r.seconds.toFixed(2)} s)`;
  console.log(`scroll benchmark: ${NX}x${NY}x${NZ} int16 synthetic CT, 800x800 view, Chromium + SwiftShader WebGL2, vsync ${process.env.BENCH_VSYNC ? 'on' : 'off'}`);
  console.log(`import into caldiff (once): ${importSeconds.toFixed(1)} s; studies.volume + vtk image in the page (once): ${loadSeconds.toFixed(2)} s`);
  console.log(line(ours));
  console.log(line(naive));
  console.log(`ratio volume / per-slice: ${(ours.fps / naive.fps).toFixed(2)}x`);
} finally {
  caldiff?.child.kill('SIGTERM');
  rmSync(out, { recursive: true, force: true });
}
