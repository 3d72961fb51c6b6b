// Patches a defect of postgres.js 3.4.9 (porsager/postgres#1154, #1208; fixes proposed in
// #1168, #1176, #1209, none released): when PostgreSQL goes away under a transaction, a
// statement written on the dead connection schedules a write on a socket that is already
// null, and `nextWrite` throws from a setImmediate callback — an uncaught TypeError that
// kills the whole process (`npm run chaos` showed it on every PostgreSQL stop). Teardown
// also left the write timer and buffer set, so a reconnected socket could start with
// stale bytes or never flush. The patch: fail the queries of a connection without a
// socket with CONNECTION_CLOSED (catchable, the app answers them) and reset the write
// state on teardown. Second defect, same run: a connection that closes while it fetches
// the array types (right after connecting) rejects a promise nobody handles
// (`return fetchArrayTypes()` from a protocol handler), and Node ends the process on an
// unhandled rejection; the patch catches it and fetches the types on the next
// connection instead. Runs at postinstall; idempotent; says so when the text differs
// (another version), and then changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = '/* stagedoor: null-socket and type-fetch patch */';
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'postgres');
const EDITS = [
  [
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  ],
  [
    '    clearImmediate(nextWriteTimer)\n    if (socket) {',
    '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {',
  ],
  [
    '    clearImmediate(nextWriteTimer)\n    socket.removeListener',
    '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener',
  ],
  [
    '        return fetchArrayTypes()\n',
    '        return fetchArrayTypes().catch(() => { needsTypes = true })\n',
  ],
];

let patched = 0;
for (const dir of ['src', 'cjs/src', 'cf/src']) {
  const file = path.join(root, dir, 'connection.js');
  if (!fs.existsSync(file)) continue;
  const text = fs.readFileSync(file, 'utf8');
  if (text.includes(MARK)) continue;
  if (!EDITS.every(([from]) => text.split(from).length === 2)) {
    console.warn(`patch-postgres-js: ${file} is not the 3.4.9 text; left alone (check whether the defect is fixed)`);
    continue;
  }
  fs.writeFileSync(file, EDITS.reduce((t, [from, to]) => t.replace(from, to), text));
  patched += 1;
}
if (patched) console.log(`patch-postgres-js: patched ${patched} copies of postgres/src/connection.js`);
