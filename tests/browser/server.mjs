#!/usr/bin/env node
// Keeps one headless Chromium running for a test run: prints its WebSocket endpoint on one line,
// then closes the browser when stdin closes (the test run ended, or died).
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { serveBrowser } from './chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = createRequire(path.join(ROOT, 'web', 'package.json'))('playwright-core');

const server = await serveBrowser(chromium, 20000);
console.log(server.wsEndpoint());
process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
