// `npm start` runs the compiled dist/; this rebuilds it first when a source file is newer
// (a fresh clone builds at install through `prepare`; this covers edits and pulls since).
// Without src/ (a production image that ships dist/ only) there is nothing to compare.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

if (fs.existsSync('src')) {
  const built = fs.existsSync('dist/server.js') ? fs.statSync('dist/server.js').mtimeMs : 0;
  const sources = Math.max(newest('src'), fs.statSync('package.json').mtimeMs, fs.statSync('tsconfig.json').mtimeMs);
  if (sources > built) {
    process.stderr.write('stagedoor: sources changed since the last build; building dist/ first\n');
    execSync('npm run build', { stdio: 'inherit' });
  }
}
