// The package's public API (every export of every entry, with its kind) as listed in public-api.txt, so
// any change to it is visible in review. After a deliberate change: `pnpm api:update`, commit the file.
import { expect, it } from 'vitest';

it('exports exactly what public-api.txt lists', async () => {
  const script = new URL('../../../scripts/public-api.mjs', import.meta.url).href;
  const { publicApiReport } = await import(script);
  await expect(publicApiReport(new URL('..', import.meta.url))).toMatchFileSnapshot('../public-api.txt');
});
