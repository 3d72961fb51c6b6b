import { execFileSync } from 'node:child_process';

/** The servers serve web/dist: build it when the pages' sources changed (a no-op otherwise). */
export default function setup(): void {
  execFileSync(process.execPath, ['web/build.mjs'], { stdio: 'inherit' });
}
