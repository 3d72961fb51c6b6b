// Builds the pages into web/dist: one bundled, minified script per page and the stylesheet, named by
// content hash (cached for a year), the HTML naming them (never cached), each also as .br and .gz.
// Runs from `npm install` (prepare) and before `npm start`; plain Node + esbuild, no other step.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(root, 'dist');
const assets = path.join(out, 'assets');
const manifestFile = path.join(out, 'manifest.json');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

// Up to date (every `npm start` asks): nothing to do. `--force` rebuilds anyway.
const sources = Math.max(
  ...['fan', 'admin', 'shared'].map((d) => newest(path.join(root, d))),
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
);
if (
  !process.argv.includes('--force') &&
  existsSync(manifestFile) &&
  statSync(manifestFile).mtimeMs >= sources
) {
  process.exit(0);
}
let build;
try {
  ({ build } = await import('esbuild'));
} catch (error) {
  // An install without devDependencies that ships web/dist already built can still start.
  if (existsSync(manifestFile)) {
    console.warn('web: esbuild is not installed; serving the pages built before');
    process.exit(0);
  }
  throw error;
}
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

function write(file, content) {
  writeFileSync(file, content);
  writeFileSync(
    `${file}.br`,
    brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
}

function hashed(name, ext, content) {
  const file = `${name}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}.${ext}`;
  write(path.join(assets, file), content);
  return `/assets/${file}`;
}

const css = await build({
  entryPoints: [path.join(root, 'shared/style.css')],
  bundle: true,
  minify: true,
  write: false,
});
const style = hashed('style', 'css', css.outputFiles[0].contents);

// The proof-of-work worker is a bundle of its own, fetched only when a join needs a proof, so
// it is not part of the first page; the fan page learns its hashed URL at build time.
const worker = await build({
  entryPoints: [path.join(root, 'fan/pow/worker.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  write: false,
  legalComments: 'none',
});
const powWorker = hashed('pow-worker', 'js', worker.outputFiles[0].contents);

const manifest = {};
for (const page of ['fan', 'admin']) {
  const js = await build({
    entryPoints: [path.join(root, page, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    write: false,
    legalComments: 'none',
    define: { __POW_WORKER__: JSON.stringify(powWorker) },
  });
  const script = hashed(page, 'js', js.outputFiles[0].contents);
  const html = readFileSync(path.join(root, page, 'index.html'), 'utf8')
    .replace('{{style}}', style)
    .replace('{{script}}', script);
  write(path.join(out, `${page}.html`), html);
  manifest[page] = { html: `${page}.html`, script, style };
}
manifest.powWorker = powWorker;
writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
console.log(
  `web: built fan, admin and the proof-of-work worker into ${path.relative(process.cwd(), out) || out}`,
);
