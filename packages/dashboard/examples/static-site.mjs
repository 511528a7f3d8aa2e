// A static-site build: one page per run dir and an index, in a folder any static host can serve.
// Usage: node static-site.mjs <out dir> <run dir>...
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { buildModel, escapeHtml, renderDashboard, writeDashboardFile } from '@loop/dashboard';

const [outDir, ...runDirs] = process.argv.slice(2);
const links = [];
for (const runDir of runDirs) {
  const name = basename(runDir);
  const model = await buildModel(runDir, { tailLines: 50 });
  await mkdir(join(outDir, name), { recursive: true });
  await writeDashboardFile(join(outDir, name, 'index.html'), renderDashboard(model));
  const { status } = model.health ?? { status: 'unknown' };
  links.push(`<li><a href="${escapeHtml(name)}/">${escapeHtml(name)}</a> ${escapeHtml(status)}</li>`);
}
await writeFile(
  join(outDir, 'index.html'),
  `<!doctype html><meta charset="utf-8"><title>Runs</title><h1>Runs</h1><ul>${links.join('')}</ul>\n`,
);
console.log(`wrote ${runDirs.length} pages and ${join(outDir, 'index.html')}`);
