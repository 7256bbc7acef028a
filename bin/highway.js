#!/usr/bin/env node
// The `highway` executable: load the compiled CLI (npm install builds it via `prepare`).
import { main } from '../dist/cli/main.js';

await main(process.argv);
