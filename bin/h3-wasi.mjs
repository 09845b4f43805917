#!/usr/bin/env node
// The h3-wasi command; the implementation is compiled from host/cli/ by `npm run build`.
import { main } from '../dist/host/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
