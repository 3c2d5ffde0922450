#!/usr/bin/env -S node --import tsx
// The `connlab` bin. In the workspace it runs from TypeScript under tsx
// (npx puts node_modules/.bin on PATH); `npm pack` builds dist/main.js with a
// plain-node shebang. Signals and the exit code: see process.ts.
import { runCliProcess } from './process.js';

await runCliProcess(process.argv.slice(2));
