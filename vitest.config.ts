// Root config for watch mode across the workspace (`npx vitest`); `npm test`
// runs each package's own `vitest run` through turbo so results cache per package.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tools/*'],
  },
});
