// Draws a deployed diagram (bpmn-js navigated viewer) into every .diagram element and marks
// elements by state (data-states: {completed|active|waiting|failed: [element ids]}) or puts
// count badges on them (data-counts: {element id: {waiting: n, failed: n}}). It opens on the
// elements of data-current (the task; an instance's waiting elements) at a readable zoom; the
// toolbar beside it and the keys + - 0 and the arrows (when the diagram has focus) zoom and
// move. The same facts are always written as text on the page too; the drawing is for those
// who can see it. The viewer is the container's ``viewer`` property, for scripts and tests.
(function () {
  'use strict';

  const STEP = 1.25;
  const PAN = 60;

  function badge(text, kind) {
    const span = document.createElement('span');
    span.className = 'count-badge' + (kind === 'failed' ? ' failed' : '');
    span.textContent = text;
    return span;
  }

  function controls(container, canvas, current) {
    const view = window.InnovationCanvas;
    const actions = {
      'zoom-in': () => view.zoomBy(canvas, STEP),
      'zoom-out': () => view.zoomBy(canvas, 1 / STEP),
      fit: () => canvas.zoom('fit-viewport', 'auto'),
      current: () => view.focusOn(canvas, current),
    };
    const keys = { '+': 'zoom-in', '=': 'zoom-in', '-': 'zoom-out', 0: 'fit' };
    const moves = { ArrowLeft: [PAN, 0], ArrowRight: [-PAN, 0], ArrowUp: [0, PAN], ArrowDown: [0, -PAN] };
    const toolbar = container.parentElement.querySelector('.diagram-tools');
    if (toolbar) {
      toolbar.addEventListener('click', (event) => {
        const button = event.target.closest('button[data-action]');
        if (button) actions[button.dataset.action]();
      });
      toolbar.hidden = false;
    }
    container.addEventListener('keydown', (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (keys[event.key]) actions[keys[event.key]]();
      else if (moves[event.key]) canvas.scroll({ dx: moves[event.key][0], dy: moves[event.key][1] });
      else return;
      event.preventDefault();
    });
  }

  async function draw(container) {
    const viewer = new window.BpmnJS({ container });
    const response = await fetch(container.dataset.xmlUrl, { credentials: 'same-origin' });
    await viewer.importXML(await response.text());
    container.viewer = viewer;
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    const states = JSON.parse(container.dataset.states || '{}');
    Object.entries(states).forEach(([state, ids]) => ids.forEach((id) => {
      if (registry.get(id)) canvas.addMarker(id, 'state-' + state);
    }));
    const counts = JSON.parse(container.dataset.counts || '{}');
    Object.entries(counts).forEach(([id, count]) => {
      if (!registry.get(id)) return;
      ['waiting', 'failed'].filter((kind) => count[kind]).forEach((kind, index) => {
        overlays.add(id, { position: { top: -12, right: 12 + index * 28 }, html: badge(String(count[kind]), kind) });
        canvas.addMarker(id, 'state-' + kind);
      });
    });
    const current = JSON.parse(container.dataset.current || '[]').map((id) => registry.get(id)).filter(Boolean);
    window.InnovationCanvas.focusOn(canvas, current);
    controls(container, canvas, current);
    container.dataset.ready = 'true';
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('.diagram[data-xml-url]').forEach((container) => {
      draw(container).catch((error) => {
        container.textContent = error.message;
        container.dataset.ready = 'error';
      });
    });
  });
}());
