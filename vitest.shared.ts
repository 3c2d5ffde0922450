// One place for the test settings every package and app shares.
import { defineConfig } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

export function connlabProject(name: string): ViteUserConfig {
  return defineConfig({
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Real sockets and real kernel timers: generous limits, no retries that hide flakes.
      testTimeout: 30_000,
      hookTimeout: 30_000,
      // Timing lessons measure the kernel; two CPU-heavy files at once on 2 cores skew them.
      fileParallelism: false,
      // The JSON result lets `npm test` print one total over every package.
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest/result.json' },
    },
  });
}
