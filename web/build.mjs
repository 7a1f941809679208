// Builds the dashboard into an output directory (default dist/; crates/dashboard passes its
// OUT_DIR): app-HASH.js and app-HASH.css by esbuild, MapLibre's worker copied beside them, and
// index.html pointing at the hashed names, so that every file but index.html may be cached forever.

import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = resolve(outdirFlag > 0 ? process.argv[outdirFlag + 1] : join(here, 'dist'));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const short = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 10);

const worker = readFileSync(join(here, 'node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs'));
const workerFile = `maplibre-gl-worker-${short(worker)}.mjs`;
copyFileSync(join(here, 'node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs'), join(outdir, workerFile));

const result = await esbuild.build({
  entryPoints: { app: join(here, 'src/main.ts') },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  outdir,
  entryNames: '[name]-[hash]',
  define: { WORKER_FILE: JSON.stringify(workerFile) },
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const names = { 'maplibre-gl-worker.mjs': workerFile };
for (const output of Object.keys(result.metafile.outputs)) {
  const name = basename(output);
  const match = /^(app)-[A-Z0-9]+\.(js|css)$/.exec(name);
  if (match) names[`${match[1]}.${match[2]}`] = name;
}
for (const wanted of ['app.js', 'app.css']) {
  if (!names[wanted]) throw new Error(`esbuild did not write ${wanted}; outputs: ${readdirSync(outdir).join(', ')}`);
}
const html = readFileSync(join(here, 'index.html'), 'utf8').replace(/\{\{([\w.-]+)\}\}/g, (_, name) => {
  if (!names[name]) throw new Error(`index.html names {{${name}}}, which the build does not make`);
  return names[name];
});
writeFileSync(join(outdir, 'index.html'), html);
console.log(`dashboard built into ${outdir}: ${readdirSync(outdir).join(', ')}`);
