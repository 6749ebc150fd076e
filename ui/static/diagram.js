// Draws a deployed diagram (bpmn-js navigated viewer) into every .diagram element and marks
// elements by state (data-states: {completed|active|waiting|failed: [element ids]}) or puts
// count badges on them (data-counts: {element id: {waiting: n, failed: n}}). The same facts
// are always written as text on the page too; the drawing is for those who can see it.
(function () {
  'use strict';

  function badge(text, kind) {
    const span = document.createElement('span');
    span.className = 'count-badge' + (kind === 'failed' ? ' failed' : '');
    span.textContent = text;
    return span;
  }

  async function draw(container) {
    const viewer = new window.BpmnJS({ container });
    const response = await fetch(container.dataset.xmlUrl, { credentials: 'same-origin' });
    await viewer.importXML(await response.text());
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    canvas.zoom('fit-viewport');
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
