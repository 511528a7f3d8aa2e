// Root test entry: every package and app is its own vitest project.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'scripts', 'deploy', 'test/consumer'],
  },
});
