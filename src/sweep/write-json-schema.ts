/**
 * Build step (`npm run build`, after tsc): write configs/highway.schema.json from the zod schema,
 * so the shipped file never drifts from the code (test/schema.test.ts checks it too).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './schema.js';

const file = fileURLToPath(new URL('../../configs/highway.schema.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
