// The modeler page: bpmn-js with the SpiffWorkflow extension, an element list for keyboard
// users, the properties panel (modeler_panel.js), review against the running version,
// deploy with the engine's problems pinned on the elements, the JSON form editor and the
// decision tables the version runs, in dmn-js.
(function () {
  'use strict';

  const config = JSON.parse(document.getElementById('modeler-config').textContent);
  const T = config.texts;
  const $ = (id) => document.getElementById(id);
  const canvasEl = $('canvas');
  const picker = $('element-picker');
  const panel = $('properties');
  const deployButton = $('deploy');
  const editedForms = {};
  const editedDecisions = {};
  let modeler = null;
  let dmnModeler = null;

  function say(element, message, isError) {
    element.textContent = message;
    element.className = message ? (isError ? 'flash error' : 'flash') : '';
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': config.csrf },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return { status: response.status, data: JSON.parse(text) };
    } catch (error) {
      return { status: response.status, data: { message: response.status + ' ' + response.statusText } };
    }
  }

  const label = (element) => {
    const bo = element.businessObject;
    return (bo.name ? bo.name + ' ' : '') + '(' + bo.id + ') – ' + element.type.replace('bpmn:', '');
  };

  function fillPicker() {
    const elements = modeler.get('elementRegistry')
      .filter((e) => e.type !== 'label' && e.businessObject && e.businessObject.id && e.parent)
      .sort((a, b) => label(a).localeCompare(label(b)));
    picker.replaceChildren(new Option(T.choose_element, ''));
    elements.forEach((e) => picker.add(new Option(label(e), e.id)));
  }

  function select(id) {
    const element = modeler.get('elementRegistry').get(id);
    if (!element) return;
    modeler.get('selection').select(element);
    modeler.get('canvas').scrollToElement(element);
  }

  function markStale() {
    if (deployButton) deployButton.disabled = true;
  }

  // -- problems from the engine, pinned on the diagram ------------------------------------
  // Each refused element gets a red outline and a label under it that keeps its screen size
  // at any zoom; "Visa" beside the problem in the list selects the element, zooms to it and
  // moves focus to the element list, which now names it (the panel below shows it).
  let marked = [];

  function clearProblems() {
    modeler.get('overlays').remove({ type: 'problem' });
    marked.forEach((id) => modeler.get('canvas').removeMarker(id, 'has-problem'));
    marked = [];
    $('problems').hidden = true;
  }

  function showElement(id) {
    const element = modeler.get('elementRegistry').get(id);
    modeler.get('selection').select(element);
    window.InnovationCanvas.focusOn(modeler.get('canvas'), [element]);
    picker.focus();
    say($('status'), T.showing.replace('{id}', id), false);
  }

  function pin(problem) {
    const badge = document.createElement('div');
    badge.className = 'problem-badge';
    badge.dataset.element = problem.element_id;
    badge.textContent = '⚠ ' + (problem.element_name || problem.element_id) + ': ' + problem.message;
    const element = modeler.get('elementRegistry').get(problem.element_id);
    const position = element.waypoints ? { top: element.height / 2 + 6, left: element.width / 2 + 10 }  // mid-flow
      : { bottom: -6, left: 0 };  // under the shape
    modeler.get('overlays').add(element, 'problem', { position, html: badge, scale: { min: 1 } });
    if (!marked.includes(problem.element_id)) {
      modeler.get('canvas').addMarker(problem.element_id, 'has-problem');
      marked.push(problem.element_id);
    }
  }

  function showProblems(message, details) {
    clearProblems();
    const registry = modeler.get('elementRegistry');
    const list = $('problems').querySelector('ul');
    list.replaceChildren();
    details.forEach((problem) => {
      const item = document.createElement('li');
      const where = problem.element_id ? (problem.element_name || problem.element_id) + ': ' : '';
      item.append(where + problem.message + ' ');
      if (problem.element_id && registry.get(problem.element_id)) {
        pin(problem);
        const show = document.createElement('button');
        show.type = 'button';
        show.className = 'link';
        show.textContent = T.show_element + ' ' + problem.element_id;
        show.addEventListener('click', () => showElement(problem.element_id));
        item.append(show);
      }
      list.append(item);
    });
    $('problems').hidden = false;
    say($('status'), message, true);
    $('problems').focus();
  }

  // -- review and deploy -------------------------------------------------------------------
  function changeList(title, items) {
    const section = document.createElement('div');
    const heading = document.createElement('h3');
    heading.textContent = title + ' (' + items.length + ')';
    const list = document.createElement('ul');
    items.forEach((item) => {
      const li = document.createElement('li');
      li.textContent = typeof item === 'string' ? item : (item.name ? item.name + ' ' : '') + '(' + item.element_id + ', ' + item.type + ')';
      list.append(li);
    });
    section.append(heading, list);
    return section;
  }

  async function review() {
    const { xml } = await modeler.saveXML({ format: true });
    const { status, data } = await post(config.urls.diff, { xml, forms: editedForms });
    const body = $('diff').querySelector('.diff-body');
    body.replaceChildren();
    if (status !== 200) {
      say($('status'), data.message, true);
      return;
    }
    data.processes.forEach((process) => {
      const intro = document.createElement('p');
      intro.textContent = process.against
        ? T.compared_with.replace('{key}', process.process_key).replace('{version}', process.against.version)
        : T.new_process.replace('{key}', process.process_key);
      body.append(intro);
      if (!process.against) return;
      body.append(changeList(T.added, process.added), changeList(T.removed, process.removed),
        changeList(T.changed, process.changed), changeList(T.forms_changed, process.forms_changed));
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = T.text_diff;
      const pre = document.createElement('pre');
      pre.textContent = process.unified || T.no_changes;
      details.append(summary, pre);
      body.append(details);
    });
    $('diff').hidden = false;
    $('diff').focus();
    if (deployButton) deployButton.disabled = false;
  }

  async function deploy() {
    const { xml } = await modeler.saveXML({ format: true });
    const { status, data } = await post(config.urls.deploy, {
      xml, filename: canvasEl.dataset.filename, forms: editedForms, decisions: editedDecisions,
    });
    if (status === 201) {
      clearProblems();
      const versions = data.deployed.map((d) => d.process_key + ' v' + d.version + (d.created ? '' : ' (' + T.unchanged + ')'));
      say($('status'), T.deployed + ' ' + versions.join(', '), false);
      markStale();
    } else {
      showProblems(data.message || String(status), data.details || []);
    }
  }

  async function saveFile() {
    const { xml } = await modeler.saveXML({ format: true });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
    link.download = canvasEl.dataset.filename;
    document.body.append(link);
    link.click();
    link.remove();
  }

  // -- forms as JSON -----------------------------------------------------------------------
  async function loadForm() {
    const name = $('form-picker').value;
    if (!name) return;
    if (editedForms[name] !== undefined) {
      $('form-text').value = editedForms[name];
      return;
    }
    const url = config.urls.form.replace('NAME', encodeURIComponent(name)) + '?definition=' + config.definition;
    $('form-text').value = await (await fetch(url, { credentials: 'same-origin' })).text();
    say($('form-error'), '', false);
    $('form-text').removeAttribute('aria-invalid');
  }

  async function validateForm() {
    const name = $('form-picker').value;
    const { data } = await post(config.urls.validate, { name, text: $('form-text').value });
    const problems = data.problems || [];
    $('form-error').textContent = problems.map((p) => p.message + (p.line ? ' (' + T.line + ' ' + p.line + ', ' + T.column + ' ' + p.column + ')' : '')).join('; ');
    $('form-error').className = 'error';
    $('form-field').classList.toggle('has-error', problems.length > 0);
    if (problems.length) $('form-text').setAttribute('aria-invalid', 'true');
    else $('form-text').removeAttribute('aria-invalid');
    say($('form-status'), problems.length ? T.form_invalid : T.form_valid, problems.length > 0);
    if (problems.length) $('form-text').focus();
    return problems.length === 0;
  }

  async function keepForm() {
    if (!(await validateForm())) return;
    editedForms[$('form-picker').value] = $('form-text').value;
    $('forms-edited').textContent = Object.keys(editedForms).join(', ');
    say($('form-status'), T.form_kept, false);
    markStale();
  }

  // -- decision tables in dmn-js -----------------------------------------------------------
  async function loadDecision() {
    const name = $('decision-picker').value;
    const url = config.urls.decision.replace('NAME', encodeURIComponent(name));
    const xml = editedDecisions[name] !== undefined ? editedDecisions[name]
      : await (await fetch(url, { credentials: 'same-origin' })).text();
    await dmnModeler.importXML(xml);
    const table = dmnModeler.getViews().find((view) => view.type === 'decisionTable');
    if (table) await dmnModeler.open(table);
    $('dmn-canvas').dataset.ready = name;
  }

  async function keepDecision() {
    const { xml } = await dmnModeler.saveXML({ format: true });
    editedDecisions[$('decision-picker').value] = xml;
    $('decisions-edited').textContent = Object.keys(editedDecisions).join(', ');
    say($('decision-status'), T.decision_kept, false);
    markStale();
  }

  async function startDecisions() {
    if (!$('dmn-canvas') || !window.DmnJS) return;
    dmnModeler = new window.DmnJS({ container: $('dmn-canvas') });
    $('decision-picker').addEventListener('change', loadDecision);
    $('decision-keep').addEventListener('click', keepDecision);
    await loadDecision();
  }

  // -- start -------------------------------------------------------------------------------
  async function start() {
    const descriptor = await (await fetch(config.descriptor)).json();
    modeler = new window.BpmnJS({
      container: canvasEl,
      moddleExtensions: { spiffworkflow: descriptor },
      // bpmn-js re-sorts all diagram shapes on every save (BpmnDiOrdering); switched off so that
      // saving changes nothing but the edits (new shapes still get their DI when created).
      additionalModules: [{ bpmnDiOrdering: ['value', null] }],
    });
    const xml = await (await fetch(canvasEl.dataset.xmlUrl, { credentials: 'same-origin' })).text();
    await modeler.importXML(xml);
    canvasEl.modeler = modeler;  // for scripts and tests
    modeler.get('canvas').zoom('fit-viewport');
    fillPicker();
    modeler.on('selection.changed', ({ newSelection }) => {
      const element = newSelection[0];
      picker.value = element ? element.id : '';
      window.InnovationPanel.show(modeler, panel, element, config);
    });
    modeler.on('commandStack.changed', markStale);
    picker.addEventListener('change', () => select(picker.value));
    panel.addEventListener('submit', (event) => {
      event.preventDefault();
      const element = modeler.get('elementRegistry').get(picker.value);
      if (!element) return;
      window.InnovationPanel.apply(modeler, panel, element);
      say($('status'), T.applied.replace('{id}', element.id), false);
    });
    $('review').addEventListener('click', review);
    if (deployButton) deployButton.addEventListener('click', deploy);
    $('save-file').addEventListener('click', saveFile);
    $('undo').addEventListener('click', () => {
      modeler.get('commandStack').undo();
      window.InnovationPanel.show(modeler, panel, modeler.get('elementRegistry').get(picker.value), config);
    });
    $('form-picker').addEventListener('change', loadForm);
    $('form-validate').addEventListener('click', validateForm);
    $('form-keep').addEventListener('click', keepForm);
    await loadForm();
    await startDecisions();
    canvasEl.dataset.ready = 'true';
  }

  document.addEventListener('DOMContentLoaded', () => {
    start().catch((error) => {
      say($('status'), error.message, true);
      canvasEl.dataset.ready = 'error';
    });
  });
}());
