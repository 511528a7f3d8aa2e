// The repo's own scripts (CI helpers, workflow lint) as a vitest project.
import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'scripts', include: ['test/**/*.test.mjs'], testTimeout: 60_000 },
});
