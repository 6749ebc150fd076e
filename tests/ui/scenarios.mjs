#!/usr/bin/env node
// Drives the running web UI in headless Chromium, one scenario per run, and checks every page
// it visits with axe-core (WCAG 2.1 A and AA rules).
//
//   UI_TEST_CONFIG='{"url": ..., "passwords": {...}, ...}' node tests/ui/scenarios.mjs SCENARIO
//
// Prints one JSON line: {"ok", "error", "pages", "violations", ...what the scenario reports}.
// Exit code 0 when the scenario ran to its end (violations are judged by the caller), 1 when a
// step failed, 3 when the browser could not start. Packages come from web/node_modules;
// Chromium: see tests/browser/chromium.mjs; nothing but the service is reachable.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { openBrowser } from '../browser/chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(ROOT, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const config = JSON.parse(process.env.UI_TEST_CONFIG || '{}');
const report = { ok: false, error: null, pages: [], violations: [] };
let browser;

// -- helpers ---------------------------------------------------------------------------------
function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function user(name, password = config.passwords[name], viewport = undefined) {
  const context = await browser.newContext({ acceptDownloads: true, ...(viewport ? { viewport } : {}) });
  // Only the service under test: anything else (a CDN, fonts) would be a bug here.
  await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
  // axe is served from the page's own origin, so the UI's Content-Security-Policy stays on.
  await context.route(/\/__axe\.js$/, (route) => route.fulfill({ body: AXE, contentType: 'text/javascript' }));
  const page = await context.newPage();
  page.on('dialog', (dialog) => dialog.accept());
  page.on('pageerror', (error) => { report.pageErrors = (report.pageErrors || []).concat(error.message); });
  if (name) {
    await page.goto(config.url + '/login');
    await audit(page, 'login');
    await page.fill('#username', name);
    await page.fill('#password', password);
    await navigate(page, 'form[action="/login"] button[type=submit]');
    expect(!page.url().includes('/login'), 'login failed for ' + name);
  }
  return page;
}

async function audit(page, label) {
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-xml-url]'))
    .every((el) => el.dataset.ready), null, { timeout: 15000 });
  await page.addScriptTag({ url: '/__axe.js' });
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  }, TAGS);
  report.pages.push(label);
  violations.forEach((v) => report.violations.push({ page: label, ...v }));
}

const text = (page, selector) => page.locator(selector).first().innerText();
const focusedId = (page) => page.evaluate(() => document.activeElement && (document.activeElement.id
  || document.activeElement.className));

// Click something that loads a new page, and wait for that page (not the current one).
async function navigate(page, selector) {
  const loaded = page.waitForEvent('load');
  await page.click(selector);
  await loaded;
}

const submit = (page) => navigate(page, 'button[name=_submit]');

// What a bpmn-js canvas shows: its zoom, whether every element of ``ids`` lies inside the
// visible box, and the selection (the viewer or modeler is the container's ``property``).
const view = (page, selector, ids, property = 'viewer') => page.evaluate(([sel, wanted, prop]) => {
  const diagram = document.querySelector(sel)[prop];
  const canvas = diagram.get('canvas');
  const box = canvas.viewbox();
  const registry = diagram.get('elementRegistry');
  const inside = wanted.every((id) => {
    const e = registry.get(id);
    const points = e.waypoints || [{ x: e.x, y: e.y }, { x: e.x + e.width, y: e.y + e.height }];
    return points.every((p) => p.x >= box.x && p.y >= box.y && p.x <= box.x + box.width && p.y <= box.y + box.height);
  });
  let selected = [];
  try { selected = diagram.get('selection').get().map((e) => e.id); } catch (error) { /* a viewer selects nothing */ }
  return { zoom: canvas.zoom(), inside, selected };
}, [selector, ids, property]);

// How wide the page is (no wider than the phone: nothing sticks out sideways), and, when it is
// wider, the outermost elements that stick out, to say what to fix.
const overflow = (page) => page.evaluate(() => {
  const width = document.documentElement.scrollWidth;
  const limit = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const wide = width <= limit ? [] : Array.from(document.body.querySelectorAll('*'))
    .filter((el) => el.getBoundingClientRect().right > limit + 1 && !(el.parentElement.getBoundingClientRect().right > limit + 1))
    .slice(0, 8).map((el) => name(el) + ' ' + Math.round(el.getBoundingClientRect().right));
  return wide.length ? { width, wide } : width;
});

// A picture of the page (or of one part of it) under /tmp, for a person to look at.
async function shot(page, name, selector) {
  const file = `/tmp/ui-${name}.png`;
  await (selector ? page.locator(selector).first() : page).screenshot({ path: file });
  report.screenshots = (report.screenshots || []).concat(file);
}

// -- scenarios -------------------------------------------------------------------------------
const scenarios = {
  // An idea owner submits an initiative (an employee's idea: the page's default).
  async submission() {
    const page = await user('ada');
    await page.goto(config.url + '/initiatives/new');
    await audit(page, 'new initiative');
    await page.fill('#f-title', config.title);
    await page.check('#f-kind-0');
    await page.fill('#f-description', 'Cyklar att låna via biblioteket.');
    await page.fill('#f-need', 'Fler vill cykla.');
    await page.fill('#f-strategic_area', 'Hållbar mobilitet');
    await page.selectOption('#f-administration', 'SOF');
    await page.fill('#f-idea_owner-name', 'Ada Lind');
    await page.fill('#f-idea_owner-email', 'ada.lind@helsingborg.se');
    await submit(page);
    expect(page.url().endsWith('/inbox'), 'not back in the inbox after submitting: ' + page.url());
    await audit(page, 'inbox');
  },

  // Screened and given working time, the idea owner completes her first task: invalid, then valid.
  async caseworker() {
    const page = await user('ada');
    await page.goto(config.url + '/inbox');
    await audit(page, 'inbox');
    await navigate(page, 'a:has-text("Utforska behov och idé")');
    await audit(page, 'task form');
    await page.fill('#f-need_analysis', 'Intervjuer med låntagare.');
    await page.fill('#f-hypothesis', 'Lånecyklar ökar cyklandet.');
    await page.fill('#f-estimated_effects', 'Färre bilresor.');
    await page.click('button[name=_submit]'); // estimated_value is missing: the page stops it
    await page.waitForSelector('.error-summary:not([hidden])');
    report.clientError = await text(page, '#f-estimated_value-error');
    report.focusAfterError = await focusedId(page);
    report.invalidMarked = await page.getAttribute('#f-estimated_value', 'aria-invalid');
    await audit(page, 'task form with errors');
    await page.fill('#f-estimated_value', '250000');
    await submit(page);
    expect(page.url().endsWith('/inbox'), 'the valid form did not complete the task: ' + page.url());
    report.flash = await text(page, '.flash');
    await audit(page, 'inbox after completing');
  },

  // A decision maker claims its administration's share of the money gate, beside that
  // administration's budget: first a partial grant without an amount, then a grant.
  async decision() {
    const page = await user('frida');
    await page.goto(config.url + '/tasks/' + config.task);
    await navigate(page, 'button:has-text("Ta uppgiften")');
    await audit(page, 'money gate');
    report.budget = await text(page, '#money-position');
    await page.check('#f-money_decision-1');
    await page.fill('#f-money_rationale', 'Piloten är väl förberedd.');
    await submit(page);
    report.serverStatus = await page.evaluate(() => document.title);
    report.serverError = await text(page, '#f-money_amount-error');
    report.focusAfterError = await focusedId(page);
    await audit(page, 'money gate with a server error');
    await page.check('#f-money_decision-0');
    await submit(page);
    expect(page.url().endsWith('/inbox'), 'granting did not complete the task: ' + page.url());
    report.flash = await text(page, '.flash');
  },

  // A decision maker reads the earlier answers beside the money gate, every step opened, and a
  // coordinator reads the instance's history: names and sentences, nothing cut off at the edge.
  async words() {
    const page = await user('frida');
    await page.goto(config.url + '/tasks/' + config.task);
    await page.evaluate(() => document.querySelectorAll('details.answers').forEach((d) => { d.open = true; }));
    await audit(page, 'task with the earlier answers open');
    report.answers = await page.locator('aside.context').innerText();
    report.cutOff = await page.evaluate(() => Array.from(document.querySelectorAll('.facts.answer dd'))
      .filter((dd) => dd.scrollWidth > dd.clientWidth + 1).length);
    const coordinator = await user('ivar');
    await coordinator.goto(config.url + '/monitor/instances/' + config.instance);
    await audit(coordinator, 'instance with its history');
    report.history = await coordinator.locator('table.history').innerText();
    report.instance = await coordinator.locator('main').innerText();
  },

  // An admin finds the incident on the instances page and retries it.
  async incident() {
    const page = await user('admin');
    await page.goto(config.url + '/monitor/instances');
    await audit(page, 'instances with an incident');
    report.incidentShown = await page.locator(`a[href="/monitor/instances/${config.instance}"]`).count();
    await page.goto(config.url + '/monitor/instances/' + config.instance);
    await audit(page, 'instance with an incident');
    report.failedMarked = await page.locator('.djs-element.state-failed').count();
    await navigate(page, 'button:has-text("Försök igen")');
    report.flash = await text(page, '.flash');
    for (let i = 0; i < 40 && await page.locator('text=Utforma upplägg').count() === 0; i += 1) {
      await page.waitForTimeout(250);
      await page.reload();
    }
    report.nextTaskShown = await page.locator('text=Utforma upplägg').count();
    await audit(page, 'instance after the retry');
    await page.goto(config.url + '/monitor/instances?status=running&administration=SOF');
    await audit(page, 'instances filtered');
    await page.goto(config.url + '/monitor/activity');
    await audit(page, 'activity heatmap');
    report.badges = await page.locator('.count-badge').count();
    await page.goto(config.url + '/monitor/dashboard');
    await audit(page, 'portfolio dashboard');
  },

  // A coordinator assesses the criteria again before beslut pengar (teknisk höjd not
  // applicable), then aborts the initiative with one of the city's categories of reason.
  async rescoring() {
    const page = await user('ivar');
    await page.goto(config.url + '/monitor/instances/' + config.instance);
    await audit(page, 'instance with its assessment');
    report.before = await text(page, '#assessment p');
    await navigate(page, 'a:has-text("Bedöm kriterierna igen")');
    await audit(page, 'criteria form');
    for (const key of config.criteria) {
      await page.check(`input[name="/criteria/${key}/score"][value="${key === 'technical_height' ? 'ej_tillampligt' : '2'}"]`);
    }
    await submit(page);
    report.flash = await text(page, '.flash');
    report.after = await text(page, '#assessment p');
    await audit(page, 'instance after the new assessment');
    await page.selectOption('#category', 'battre_losning');
    await page.fill('#reason', 'Ett nationellt system ersätter idén.');
    await navigate(page, '#abort button[type=submit]');
    for (let i = 0; i < 40 && await page.locator('text=Avbrott för SOF').count() === 0; i += 1) {
      await page.waitForTimeout(250);
      await page.reload();
    }
    report.logged = await text(page, 'li:has-text("Avbrott för SOF")');
    await audit(page, 'instance with the abort in the decision log');
  },

  // Anyone: the public database lists the initiative, filters, shows it and exports it.
  async public() {
    const page = await user(null);
    await page.goto(config.url + '/public/initiatives');
    await audit(page, 'public list');
    report.listed = await page.locator(`a:has-text("${config.title}")`).count();
    await page.selectOption('#filter-administration', 'MF');
    await navigate(page, '.filters button[type=submit]');
    report.listedUnderMF = await page.locator(`a:has-text("${config.title}")`).count();
    await page.goto(config.url + '/public/initiatives?lang=en');
    report.lang = await page.getAttribute('html', 'lang');
    await audit(page, 'public list in English');
    await navigate(page, `a:has-text("${config.title}")`);
    await audit(page, 'public initiative');
    await page.goto(config.url + '/public/initiatives/no-such-initiative');
    await audit(page, 'not found');
    report.csv = await (await page.request.get(config.url + '/public/initiatives.csv')).text();
    report.json = await (await page.request.get(config.url + '/public/initiatives.json')).json();
  },

  // Anyone: the open-data links under the list, and the page that says what every field means.
  async openData() {
    const page = await user(null);
    await page.goto(config.url + '/public/initiatives');
    await audit(page, 'public list with open data');
    await navigate(page, `a[href="/public/fields"]`);
    await audit(page, 'field page');
    report.rows = await page.locator('tbody tr').count();
    await page.goto(config.url + '/public/fields?lang=en');
    await audit(page, 'field page in English');
    report.feed = await (await page.request.get(config.url + '/public/initiatives.atom')).text();
  },

  // A coordinator reviews and publishes an initiative; its idea owner consents to be named;
  // an admin opens the vocabularies.
  async publish() {
    const page = await user('ivar');
    await page.goto(`${config.url}/initiatives/${config.instance}/publication`);
    await audit(page, 'review');
    await page.fill('[name="/title"]', config.title);
    await navigate(page, 'button[name=_publish]');
    report.flash = await text(page, '.flash');
    await audit(page, 'review after publishing');
    const owner = await user('ada');
    await owner.goto(config.url + '/my-initiatives');
    await audit(owner, 'my initiatives');
    await navigate(owner, `a[href="/initiatives/${config.instance}/public"]`);
    await audit(owner, 'consent');
    await navigate(owner, '#consent-form button[type=submit]');
    await audit(owner, 'consent given');
    await owner.goto(`${config.url}/public/initiatives/${config.instance}`);
    report.named = await owner.locator('text=Ada Lind').count();
    await audit(owner, 'public initiative with its name');
    const admin = await user('admin');
    await admin.goto(config.url + '/public/terms');
    await audit(admin, 'vocabularies');
  },

  // A decision maker sees her unread count in the header, reads one notification, and
  // chooses a daily summary for decisions.
  async notifications() {
    const page = await user('frida');
    report.unreadBefore = await text(page, '#unread-count');
    await navigate(page, '.notifications-link');
    await audit(page, 'notifications');
    await navigate(page, 'tr.unread button.secondary');
    await audit(page, 'notifications after marking one read');
    report.unreadAfter = await page.locator('#unread-count').count() ? await text(page, '#unread-count') : '0';
    await navigate(page, 'a[href="/notifications/preferences"]');
    await audit(page, 'notification settings');
    await page.check('input[name="mode-decision"][value="daily"]');
    await navigate(page, 'form[action="/notifications/preferences"] button[type=submit]');
    report.flash = await text(page, '.flash');
  },

  // A process owner breaks a gateway condition, sees the engine's objection on the flow,
  // fixes it and deploys; then edits a form as JSON.
  async modeler() {
    const page = await user('owner');
    await page.goto(config.url + '/modeler');
    await page.waitForSelector('#canvas[data-ready]');
    await audit(page, 'modeler');
    const setCondition = async (condition) => {
      await page.selectOption('#element-picker', config.flow);
      await page.fill('#prop-condition', condition);
      await page.click('#properties button[type=submit]');
      await page.click('#review');
      await page.waitForSelector('#diff:not([hidden])');
    };
    await setCondition('time_decision ==');
    report.diffChanged = await page.locator('#diff li', { hasText: config.flow }).count();
    await audit(page, 'modeler review');
    await page.click('#deploy');
    await page.waitForSelector(`.problem-badge[data-element="${config.flow}"]`);
    report.problem = await text(page, '#problems li');
    await audit(page, 'modeler with a problem');
    report.badgeSize = await page.locator('.problem-badge').first().evaluate((el) => {
      const box = el.getBoundingClientRect();
      return { width: box.width, height: box.height, font: getComputedStyle(el).fontSize };
    });
    report.outlined = await page.locator(`.djs-element.has-problem[data-element-id="${config.flow}"]`).count();
    report.flowStroke = await page.locator(`[data-element-id="${config.flow}"] .djs-visual > path`).first().evaluate(
      (path) => [getComputedStyle(path).stroke, getComputedStyle(path).strokeWidth]);
    await shot(page, 'modeler-problem', '#canvas');
    await page.click('#problems button');
    report.shown = await view(page, '#canvas', [config.flow], 'modeler');
    report.focusAfterShow = await focusedId(page);
    report.pickerAfterShow = await page.inputValue('#element-picker');
    await shot(page, 'modeler-problem-shown', '#canvas');
    await audit(page, 'modeler with the problem shown');
    await setCondition(config.fixed);
    await page.click('#deploy');
    await page.waitForFunction(() => document.getElementById('status').textContent.includes('v2'));
    report.status = await text(page, '#status');
    report.badgesLeft = await page.locator('.problem-badge').count();
    await page.selectOption('#form-picker', 'gate-time.uischema.json');
    await page.waitForFunction(() => document.getElementById('form-text').value.includes('ui:order'));
    await page.fill('#form-text', '{"ui:order": [}');
    await page.click('#form-validate');
    await page.waitForSelector('#form-error:not(:empty)');
    report.formError = await text(page, '#form-error');
    await audit(page, 'form editor with an error');
  },

  // The idea owner's set-up task: the diagram opens on the task, readable, and zooms by
  // buttons and keys; at phone width nothing overflows.
  async readable() {
    const page = await user('ada');
    await page.goto(config.url + '/tasks/' + config.task);
    await audit(page, 'set-up task');
    const diagram = '.diagram';
    report.opened = await view(page, diagram, [config.element]);
    await shot(page, 'task-diagram', '.diagram-figure');
    await page.focus(diagram);
    await page.keyboard.press('-');
    report.afterMinus = (await view(page, diagram, [])).zoom;
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    report.afterPlus = (await view(page, diagram, [])).zoom;
    await page.keyboard.press('0');
    report.fitted = await view(page, diagram, [config.element]);
    await page.focus('.diagram-tools button[data-action="current"]');
    await page.keyboard.press('Enter');
    report.back = await view(page, diagram, [config.element]);
    await page.click('.diagram-tools button[data-action="zoom-out"]');
    report.buttonOut = (await view(page, diagram, [])).zoom;
    report.toolNames = await page.locator('.diagram-tools button').allInnerTexts();
    await audit(page, 'set-up task after zooming');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(config.url + '/tasks/' + config.task);
    await audit(page, 'set-up task at 390 px');
    report.narrow = { task: await overflow(page) };
    report.narrowOpened = await view(page, diagram, [config.element]);
    await page.locator(diagram).scrollIntoViewIfNeeded();
    await shot(page, 'task-diagram-390');
    await page.goto(config.url + '/inbox');
    report.narrow.inbox = await overflow(page);
    await audit(page, 'inbox at 390 px');
    await shot(page, 'inbox-390');
  },

  // Rows of a list on the set-up task: an empty row survives adding another; removing is a button.
  async rows() {
    const page = await user('ada');
    await page.goto(config.url + '/tasks/' + config.task);
    await navigate(page, '#f-partners-add');
    report.focusAfterAdd = await focusedId(page);
    await navigate(page, '#f-partners-add');  // the first row is still empty
    report.partnerRows = await page.locator('#f-partners fieldset.row').count();
    report.partnerInputs = await page.locator('#f-partners input[type=text]').evaluateAll((inputs) => inputs.map(
      (input) => [input.id, document.querySelector(`label[for="${input.id}"]`) !== null]));
    await page.fill('#f-partners-1', 'Biblioteket');
    await navigate(page, '#f-effect_goals-add');
    report.partnersKept = await page.locator('#f-partners input[type=text]').evaluateAll(
      (inputs) => inputs.map((input) => input.value));
    await audit(page, 'set-up task with rows');
    await navigate(page, 'button[name=_remove][value="/partners/0"]');
    report.partnersAfterRemove = await page.locator('#f-partners input[type=text]').evaluateAll(
      (inputs) => inputs.map((input) => input.value));

  },

  // An admin's instance page opens its diagram on where the initiative waits; at phone width
  // the page (and the modeler's tools) stay within the screen.
  async narrowAdmin() {
    const page = await user('admin');
    await page.goto(config.url + '/monitor/instances/' + config.instance);
    await audit(page, 'instance');
    report.opened = await view(page, '.diagram', config.current);
    report.buttons = await page.locator('.actions button').allInnerTexts();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(config.url + '/monitor/instances/' + config.instance);
    await audit(page, 'instance at 390 px');
    report.narrow = { instance: await overflow(page) };
    await shot(page, 'instance-390');
    await page.goto(config.url + '/inbox');
    await audit(page, 'admin inbox at 390 px');
    report.narrow.inbox = await overflow(page);
    await page.goto(config.url + '/modeler');
    await page.waitForSelector('#canvas[data-ready]');
    await audit(page, 'modeler at 390 px');
    report.narrow.modeler = await overflow(page);
    await shot(page, 'modeler-390');
  },

  // A decision table the version runs, edited in dmn-js and deployed with the diagram.
  async decisionTable() {
    const page = await user('owner');
    await page.goto(config.url + '/modeler?definition=' + config.definition);
    await page.waitForSelector('#canvas[data-ready]');
    await page.waitForSelector('#dmn-canvas[data-ready="discount.dmn"]');
    await audit(page, 'modeler with a decision table');
    const cell = page.locator('td[data-row-id="gold"][data-col-id="out_discount"] [contenteditable]');
    await cell.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0.25');
    await page.click('#decisions-title');
    await page.click('#decision-keep');
    report.kept = await text(page, '#decisions-edited');
    await page.click('#review');
    await page.waitForSelector('#diff:not([hidden])');
    await page.click('#deploy');
    await page.waitForFunction(() => document.getElementById('status').textContent.includes('v2'));
    report.status = await text(page, '#status');
  },

  // Every kind of property the panel edits, then saved to a file for the caller to read.
  async panel() {
    const page = await user('owner');
    await page.goto(config.url + '/modeler?definition=' + config.definition);
    await page.waitForSelector('#canvas[data-ready]');
    const edit = async (element, fill) => {
      await page.selectOption('#element-picker', element);
      await fill();
      await page.click('#properties button[type=submit]');
    };
    await edit('berakna_poang', async () => {
      await page.fill('#prop-resultVariable', 'poang');
      await page.click('#prop-parameters button.add');
      await page.fill('#prop-param-1-id', 'scale');
      await page.fill('#prop-param-1-value', '27');
    });
    await edit('vanta_beslut_tid', async () => {
      await page.selectOption('#prop-timerKind', 'timeDuration');
      await page.fill('#prop-timerExpression', '"P14D"');
    });
    await edit('utforska_behov', async () => {
      await page.selectOption('#prop-lane', 'lane_innovationsledare_ide');
      await page.selectOption('#prop-uiForm', '');
    });
    await edit('beslut_tid', () => page.fill('#prop-name', 'Beslut om tid'));
    await edit('lane_innovationsledare_ide', async () => {
      await page.check('#prop-laneGroups input[value=coordinator]');
      await page.check('#prop-laneGroups input[value=admin]');
      await audit(page, 'modeler panel lane');
    });
    await edit('beslut_tid', async () => {
      report.candidatesHint = await text(page, '#prop-candidates-hint');
      await page.fill('#prop-candidateGroups', 'decision_maker');
      await page.fill('#prop-candidateUsers', 'kim, ${reserv}');
      await page.fill('#prop-assignee', '${beslutare}');
      await audit(page, 'modeler panel user task');
    });
    await edit('initiera_pilot', async () => {
      await page.click('#prop-helpers summary');
      report.helpers = await text(page, '#prop-helpers dl');
      await page.fill('#prop-script', 'evaluation_round = 0\npilot_started = now_iso()');
    });
    await audit(page, 'modeler panel');
    await scenarios.save(page);
  },

  // Saving an untouched diagram from the modeler gives back the same diagram.
  async roundtrip() {
    const page = await user('owner');
    await page.goto(config.url + '/modeler?definition=' + config.definition);
    await page.waitForSelector('#canvas[data-ready]');
    await scenarios.save(page);
  },

  // Single sign-on through the real provider of tests/ui/oidc_provider.mjs: its own login
  // and consent pages (not ours, so not audited by axe), then back to the service.
  async sso() {
    const page = await user(null);
    await page.goto(config.url + '/login?next=/inbox');
    await audit(page, 'login with single sign-on');
    await navigate(page, '#sso');
    expect(page.url().startsWith(config.issuer), 'not at the provider: ' + page.url());
    await page.fill('input[name=login]', config.login);
    await page.fill('input[name=password]', 'the provider decides');
    await navigate(page, 'button[type=submit]');
    if (page.url().startsWith(config.issuer)) await navigate(page, 'button[type=submit]');  // consent
    await page.waitForURL((url) => url.href.startsWith(config.url), { timeout: 15000 });
    report.landed = new URL(page.url()).pathname;
    report.who = await text(page, '.account .who');
    report.nav = await page.locator('nav a').allInnerTexts();
    await audit(page, 'signed in through the provider');
    await page.goto(config.url + '/monitor/instances');
    report.instancesStatus = (await page.locator('h1').first().innerText());
  },

  // A caseworker's own tokens and password pages: create a token (shown once), revoke it,
  // and a password change refused with the error at its field.
  async account() {
    const page = await user('ada');
    await page.goto(config.url + '/tokens');
    await audit(page, 'tokens');
    await page.fill('#token-name', 'skript');
    await page.check('input[name=scope][value=read]');
    await navigate(page, 'form[action="/tokens"] button[type=submit]');
    report.token = await text(page, '#new-token');
    await audit(page, 'tokens with a new token');
    report.tokenWorked = (await page.request.get(config.url + '/api/tasks',
      { headers: { Authorization: 'Bearer ' + report.token } })).status();
    await navigate(page, 'tr[data-token-id] form button[type=submit]');
    report.flash = await text(page, '.flash');
    report.tokenAfterRevoke = (await page.request.get(config.url + '/api/tasks',
      { headers: { Authorization: 'Bearer ' + report.token } })).status();
    await audit(page, 'tokens after revoking');
    await page.goto(config.url + '/account/password');
    await page.fill('#current', config.passwords.ada);
    await page.fill('#new', 'ett nytt långt lösenord');
    await page.fill('#repeat', 'ett annat långt lösenord');
    await navigate(page, 'form[action="/account/password"] button[type=submit]');
    report.passwordError = await text(page, '#repeat-error');
    await audit(page, 'password with an error');
  },

  // An admin maps a group of the city's sign-in to a role on the page.
  async mappings() {
    const page = await user('admin');
    await page.goto(config.url + '/admin/mappings');
    await audit(page, 'sign-in roles');
    await page.fill('#claim', config.claim);
    await page.fill('#value', config.value);
    await page.selectOption('#role', config.role);
    if (config.administration) await page.selectOption('#administration', config.administration);
    await navigate(page, 'form[action="/admin/mappings"] button[type=submit]');
    report.flash = await text(page, '.flash');
    await audit(page, 'sign-in roles with a mapping');
  },

  // An admin creates a coordinator on the users page (first with a taken user name) and resets
  // her password once; she signs in with that one-time password and must choose her own.
  async people() {
    const admin = await user('admin');
    await admin.goto(config.url + '/admin/users');
    await audit(admin, 'users');
    const create = async (username) => {
      await admin.fill('#username', username);
      await admin.fill('#display_name', 'Kim Karlsson');
      await admin.fill('#email', 'kim@helsingborg.se');
      await admin.check('input[name=coordinates_for][value=SOF]');
      await navigate(admin, 'form[action="/admin/users"] button[type=submit]');
    };
    await create('ada');
    report.takenError = await text(admin, '#username-error');
    report.takenMarked = await admin.getAttribute('#username', 'aria-invalid');
    await audit(admin, 'users with an error');
    await create('kim');
    const oneTime = await text(admin, '#one-time-password');
    await audit(admin, 'users with a new user');
    await admin.screenshot({ path: config.screenshot, fullPage: true });
    report.listed = await text(admin, 'tr[data-username=kim]');
    await navigate(admin, 'a[href="/admin/users/kim"]');
    await audit(admin, 'user kim');
    await navigate(admin, 'form[action="/admin/users/kim/password"] button[type=submit]'); // confirmed
    const reset = await text(admin, '#one-time-password');
    report.resetDiffers = reset !== oneTime;
    await audit(admin, 'user kim with a new password');
    const kim = await user('kim', reset);
    expect(kim.url().endsWith('/account/password'), 'no forced password change: ' + kim.url());
    report.must = await text(kim, '.flash.info');
    await audit(kim, 'first password change');
    await kim.fill('#current', reset);
    await kim.fill('#new', config.newPassword);
    await kim.fill('#repeat', config.newPassword);
    await navigate(kim, 'form[action="/account/password"] button[type=submit]');
    expect(kim.url().endsWith('/pipeline'), 'the password change did not lead to her pipeline: ' + kim.url());
    report.flash = await text(kim, '.flash');
    await audit(kim, 'pipeline after the change');
  },

  // Each role signs in and lands on its own work, on a desktop and on a 390 px wide phone; the
  // process owner sets a default due date (refused once, then saved) on the due dates page.
  async ownViews() {
    report.landed = {};
    report.text = {};
    report.overflow = {};
    const roles = [['ada', 'my initiatives'], ['frida', 'my administration'], ['ivar', 'pipeline'],
      ['admin', 'portfolio']];
    for (const [name, label] of roles) {
      const page = await user(name, undefined, { width: 1280, height: 844 });
      report.landed[name] = new URL(page.url()).pathname;
      for (const width of [1280, 390]) {
        if (width !== 1280) {
          await page.setViewportSize({ width, height: 844 });
          await page.reload();
        }
        await audit(page, `${label} at ${width}`);
        report.text[`${name}@${width}`] = await page.locator('main').innerText();
        report.overflow[`${name}@${width}`] = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      }
      await page.context().close();
    }
    const owner = await user('owner', undefined, { width: 390, height: 844 });
    await owner.goto(config.url + '/due-dates');
    await audit(owner, 'due dates at 390');
    await owner.fill('#due-utforska_behov', 'två veckor');
    await navigate(owner, 'tr:has(#due-utforska_behov) button[type=submit]');
    report.dueError = await text(owner, '#due-utforska_behov-error');
    await audit(owner, 'due dates with an error at 390');
    await owner.fill('#due-utforska_behov', 'P10D');
    await navigate(owner, 'tr:has(#due-utforska_behov) button[type=submit]');
    report.dueFlash = await text(owner, '.flash');
    report.dueValue = await owner.inputValue('#due-utforska_behov');
  },

  async save(page) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-file')]);
    await download.saveAs(config.saveTo);
    report.filename = download.suggestedFilename();
  },
};

async function main(name) {
  const scenario = scenarios[name];
  if (!scenario) throw new Error('no scenario ' + name);
  try {
    browser = await openBrowser(chromium, 20000);
  } catch (error) {
    console.log(JSON.stringify({ ...report, error: 'browser: ' + error.message }));
    return 3;
  }
  try {
    await scenario();
    report.ok = true;
  } catch (error) {
    report.error = error.stack || String(error);
  } finally {
    await browser.close().catch(() => {});
  }
  console.log(JSON.stringify(report));
  return report.ok ? 0 : 1;
}

// exitCode, not exit(): a piped stdout is flushed before the process ends.
main(process.argv[2]).then((code) => { process.exitCode = code; }, (error) => {
  console.log(JSON.stringify({ ...report, error: String(error) }));
  process.exitCode = 3;
});
