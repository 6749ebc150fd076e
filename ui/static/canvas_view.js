// Where a bpmn-js canvas looks: centred on some elements at a zoom where their text can be read
// (the whole process fitted into a box is a thumbnail), with zoom steps. Shared by the
// diagram viewer (diagram.js) and the modeler (modeler.js).
(function () {
  'use strict';

  const READABLE = 1;  // diagram units per screen pixel: the diagram's own 12 px text
  const MOST = 1.5;
  const PADDING = 60;

  function bounds(elements) {
    const points = elements.flatMap((e) => (e.waypoints ? e.waypoints
      : [{ x: e.x, y: e.y }, { x: e.x + e.width, y: e.y + e.height }]));
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
  }

  // Centre the canvas on ``elements`` at a readable zoom (closer still when they are small);
  // none given: the whole diagram.
  function focusOn(canvas, elements) {
    if (!elements.length) {
      canvas.zoom('fit-viewport', 'auto');
      return;
    }
    const box = bounds(elements);
    const size = canvas.getSize();
    const fits = Math.min(size.width / (box.width + 2 * PADDING), size.height / (box.height + 2 * PADDING));
    const scale = Math.max(READABLE, Math.min(fits, MOST));
    const width = size.width / scale;
    const height = size.height / scale;
    canvas.viewbox({ x: box.x + box.width / 2 - width / 2, y: box.y + box.height / 2 - height / 2, width, height });
  }

  function zoomBy(canvas, factor) {
    canvas.zoom(Math.min(4, Math.max(0.2, canvas.zoom() * factor)), 'auto');
  }

  window.InnovationCanvas = { focusOn, zoomBy };
}());
