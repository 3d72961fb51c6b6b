import { defineConfig } from 'vitest/config';

/** `npm run test:e2e`: the pages in Debian's Chromium against real servers; not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One file at a time: each starts its own servers and a browser on a shared 2-core machine.
    fileParallelism: false,
  },
});
