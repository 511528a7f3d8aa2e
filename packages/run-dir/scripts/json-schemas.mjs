// Writes schemas/*.json from the built zod schemas (run `pnpm build` first): `node scripts/json-schemas.mjs`.
// A test fails when the committed files differ from what this writes.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonSchemaFiles, jsonSchemaText } from '../dist/json-schemas.js';

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
mkdirSync(dir, { recursive: true });
const files = jsonSchemaFiles();
for (const name of readdirSync(dir)) {
  if (name.endsWith('.schema.json') && !files.some((f) => f.name === name))
    rmSync(new URL(name, `file://${dir}`));
}
for (const file of files) writeFileSync(new URL(file.name, `file://${dir}`), jsonSchemaText(file));
console.log(`wrote ${files.length} schemas to ${dir}`);
