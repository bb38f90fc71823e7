import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/console-build.setup.ts'],
    // Tests talk to real servers (FerretDB, sandboxes); a slow CI machine must not flake them.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/reporters/summary.ts'],
  },
});
