import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests share one TF.js engine per worker; two workers fit the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
  },
});
