#!/usr/bin/env node
// Imports a BPMN file with bpmn-js (its prebuilt viewer bundle) in headless Chromium and prints
// one JSON line: {"warnings": [...], "elements": N}.
//
//   node tests/browser/bpmn_import.mjs path/to/diagram.bpmn
//
// Exit codes: 0 imported (warnings may still be listed), 2 importXML threw, 3 anything else
// (missing packages, Chromium would not start, timeout).
//
// Packages come from web/node_modules (`npm ci --prefix web`); Chromium: see chromium.mjs.
// Nothing is served: the page is set from a string and the bundle is inlined from disk, and
// every network request the page might still make is aborted.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { openBrowser } from './chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB = path.join(ROOT, 'web');
const TIMEOUT_MS = Number(process.env.BPMN_IMPORT_TIMEOUT_MS || 25000);

function fail(code, message) {
  console.error(`bpmn_import: ${message}`);
  process.exit(code);
}

const bpmnArg = process.argv[2];
if (!bpmnArg) fail(3, 'usage: node tests/browser/bpmn_import.mjs FILE.bpmn');
const bpmnPath = path.resolve(bpmnArg);
if (!fs.existsSync(bpmnPath)) fail(3, `no such file: ${bpmnPath}`);

const require = createRequire(path.join(WEB, 'package.json'));
let chromium;
let bundle;
try {
  ({ chromium } = require('playwright-core'));
  bundle = path.join(path.dirname(require.resolve('bpmn-js/package.json')), 'dist', 'bpmn-viewer.production.min.js');
} catch (err) {
  fail(3, `front-end packages missing (run: npm ci --prefix web): ${err.message}`);
}

async function importDiagram(context, xml) {
  await context.route('**/*', (route) => route.abort());
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
  await page.setContent('<!DOCTYPE html><html><body style="margin:0">'
    + '<div id="canvas" style="width:1600px;height:900px"></div></body></html>');
  await page.addScriptTag({ path: bundle });
  const result = await page.evaluate(async (xmlText) => {
    const viewer = new window.BpmnJS({ container: '#canvas' });
    try {
      const { warnings } = await viewer.importXML(xmlText);
      return {
        warnings: warnings.map((w) => w.message),
        elements: viewer.get('elementRegistry').getAll().length,
      };
    } catch (err) {
      return { error: err.message, warnings: (err.warnings || []).map((w) => w.message) };
    }
  }, xml);
  result.warnings.push(...pageErrors);
  return result;
}

async function main() {
  const xml = fs.readFileSync(bpmnPath, 'utf8');
  let browser;
  let timer;
  try {
    browser = await openBrowser(chromium, TIMEOUT_MS);
    const context = await browser.newContext();
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    });
    const result = await Promise.race([importDiagram(context, xml), timeout]);
    if (result.error) {
      console.log(JSON.stringify({ error: result.error, warnings: result.warnings }));
      return 2;
    }
    console.log(JSON.stringify({ warnings: result.warnings, elements: result.elements }));
    return 0;
  } finally {
    clearTimeout(timer);
    if (browser) await browser.close().catch(() => {});
  }
}

main().then(
  (code) => process.exit(code),
  (err) => fail(3, err && err.stack ? err.stack : String(err)),
);
