// Scroll benchmark of the axial viewer: builds the benchmark page (src/renderer/bench/scroll.html), serves it with
// a synthetic 512x512x300 int16 CT, and drives Debian's Chromium (WebGL through SwiftShader) with playwright-core.
// Prints frames per second for the app's approach (volume loaded once, slice changed on the GPU mapper) and for
// the naive baseline (fetch each slice, new vtk image per slice), and their ratio. Run: node scripts/bench-scroll.mjs
// (BENCH_SLICES: slices scrolled per measurement, BENCH_DEPTH: volume depth, BENCH_VSYNC=1: keep the 60 Hz cap,
// BENCH_DEBUG=1: forward the page's console).
/* global window -- the page.evaluate callbacks below run in the browser */
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

const out = mkdtempSync(path.join(os.tmpdir(), 'caldiff-bench-scroll-'));
try {
  await build({
    configFile: false,
    root: 'src/renderer',
    base: './',
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: out, emptyOutDir: true, rollupOptions: { input: path.resolve('src/renderer/bench/scroll.html') } },
  });
  const volume = phantom();
  const bytes = Buffer.from(volume.buffer);
  const sliceBytes = NX * NY * 2;
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.endsWith('/volume')) return res.end(bytes);
    if (url.pathname.endsWith('/slice')) {
      const k = Number(url.searchParams.get('k'));
      return res.end(bytes.subarray(k * sliceBytes, (k + 1) * sliceBytes));
    }
    const file = path.join(out, path.normalize(url.pathname === '/' ? '/bench/scroll.html' : url.pathname));
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
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/scroll.html?depth=${NZ}`);
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
  console.log(`volume load (once): ${loadSeconds.toFixed(2)} s`);
  console.log(line(ours));
  console.log(line(naive));
  console.log(`ratio volume / per-slice: ${(ours.fps / naive.fps).toFixed(2)}x`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
