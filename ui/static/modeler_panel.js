// The properties panel of the modeler: the fields a process owner needs for this engine
// (name, documentation, forms, a user task's scope, service-task operation and parameters,
// script and the helpers it may call, timer, condition, lane, who a task is for) for the selected element, written into the BPMN model through bpmn-js commands
// (so undo works) and only where a value really changed, so an untouched diagram saves
// exactly as it was opened.
(function () {
  'use strict';

  const TIMER_KINDS = ['timeDate', 'timeDuration', 'timeCycle'];
  const FORM_PROPS = { form: 'formJsonSchemaFilename', uiForm: 'formUiSchemaFilename', scope: 'scope' };
  // Who a user task is for: Camunda's attributes on the task; a lane says it for its tasks as a
  // spiffworkflow property (engine/assignment.py reads both).
  const CAMUNDA = 'http://camunda.org/schema/1.0/bpmn';
  const TASK_CANDIDATES = ['candidateGroups', 'candidateUsers', 'assignee'];
  const LANE_GROUPS = 'candidateGroups';
  const splitList = (text) => (text || '').split(',').map((item) => item.trim()).filter(Boolean);

  const is = (bo, type) => Boolean(bo && bo.$instanceOf && bo.$instanceOf(type));
  const extensions = (bo) => (bo.extensionElements && bo.extensionElements.values) || [];
  const findExtension = (bo, type) => extensions(bo).find((value) => is(value, type));
  const docText = (bo) => (bo.documentation && bo.documentation[0] && bo.documentation[0].text) || '';
  const conditionText = (bo) => (bo.conditionExpression && bo.conditionExpression.body) || '';
  const timerOf = (bo) => (bo.eventDefinitions || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));

  function formValue(bo, name) {
    const props = findExtension(bo, 'spiffworkflow:Properties');
    const found = props && (props.properties || []).find((p) => p.name === name);
    return found ? found.value : '';
  }

  function lanesFor(registry, element) {
    const bo = element.businessObject;
    if (!is(bo, 'bpmn:FlowNode')) return [];
    return registry.filter((e) => e.type === 'bpmn:Lane' && e.businessObject.$parent
      && e.businessObject.$parent.$parent === bo.$parent);
  }

  // The prefix the diagram gives Camunda's namespace (declared on its definitions), if any.
  function camundaPrefix(modeler) {
    const attrs = modeler.getDefinitions().$attrs || {};
    const found = Object.keys(attrs).find((key) => key.startsWith('xmlns:') && attrs[key] === CAMUNDA);
    return found ? found.slice('xmlns:'.length) : null;
  }

  function camundaValue(modeler, bo, name) {
    const prefix = camundaPrefix(modeler);
    return (prefix && bo.$attrs && bo.$attrs[prefix + ':' + name]) || '';
  }

  const laneOf = (lanes, bo) => lanes.find((l) => (l.businessObject.flowNodeRef || []).includes(bo));

  // -- drawing the fields ------------------------------------------------------------------
  function field(form, id, label, control) {
    const wrap = document.createElement('div');
    wrap.className = 'field';
    const labelEl = document.createElement('label');
    labelEl.htmlFor = 'prop-' + id;
    labelEl.textContent = label;
    control.id = 'prop-' + id;
    control.name = id;
    wrap.append(labelEl, control);
    form.append(wrap);
    return control;
  }

  function input(value, readOnly) {
    const el = document.createElement('input');
    el.type = 'text';
    el.value = value || '';
    el.readOnly = Boolean(readOnly);
    return el;
  }

  function area(value, rows) {
    const el = document.createElement('textarea');
    el.rows = rows || 3;
    el.value = value || '';
    el.className = 'code';
    return el;
  }

  function select(value, options, none) {
    const el = document.createElement('select');
    const all = (none !== undefined ? [['', none]] : []).concat(options);
    if (value && !all.some(([v]) => v === value)) all.push([value, value]);
    all.forEach(([v, text]) => el.add(new Option(text, v, false, v === value)));
    return el;
  }

  // The functions installed plug-ins and the engine offer diagram code, so a process owner
  // writes a script against what this service really has.
  function helperList(form, texts, helpers) {
    const box = document.createElement('details');
    box.id = 'prop-helpers';
    const summary = document.createElement('summary');
    summary.textContent = texts.helpers;
    const list = document.createElement('dl');
    (helpers || []).forEach((helper) => {
      const term = document.createElement('dt');
      const code = document.createElement('code');
      code.textContent = helper.signature;
      term.append(code);
      const description = document.createElement('dd');
      description.textContent = helper.doc;
      list.append(term, description);
    });
    box.append(summary, list);
    form.append(box);
  }

  function parameterRows(form, texts, parameters) {
    const set = document.createElement('fieldset');
    set.id = 'prop-parameters';
    const legend = document.createElement('legend');
    legend.textContent = texts.parameters;
    set.append(legend);
    const addRow = (p, index) => {
      const row = document.createElement('fieldset');
      row.className = 'row parameter';
      const rowLegend = document.createElement('legend');
      rowLegend.textContent = texts.parameter + ' ' + (index + 1);
      row.append(rowLegend);
      [['id', texts.param_id], ['type', texts.param_type], ['value', texts.param_value]].forEach(([key, label]) => {
        field(row, 'param-' + index + '-' + key, label, input(p[key] || '')).dataset.key = key;
      });
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary';
      remove.textContent = texts.remove_parameter + ' ' + (index + 1);
      remove.addEventListener('click', () => { row.remove(); set.querySelector('button.add').focus(); });
      row.append(remove);
      set.insertBefore(row, set.querySelector('button.add'));
    };
    const add = document.createElement('button');
    add.type = 'button';
    add.className = 'secondary add';
    add.textContent = texts.add_parameter;
    set.append(add);
    parameters.forEach((p, i) => addRow(p, i));
    add.addEventListener('click', () => {
      const rows = set.querySelectorAll('fieldset.parameter');
      addRow({ type: 'any' }, rows.length);
      set.querySelectorAll('fieldset.parameter')[rows.length].querySelector('input').focus();
    });
    form.append(set);
  }

  // A lane's candidate groups: one checkbox per role the engine knows (and any other name the
  // diagram already has, so opening and applying keeps it).
  function groupChoices(form, texts, labels, chosen) {
    const groups = Object.keys(labels);
    const set = document.createElement('fieldset');
    set.id = 'prop-laneGroups';
    const legend = document.createElement('legend');
    legend.textContent = texts.lane_groups;
    set.append(legend);
    groups.concat(chosen.filter((name) => !groups.includes(name))).forEach((name) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'laneGroup';
      box.value = name;
      box.checked = chosen.includes(name);
      label.append(box, ' ' + (labels[name] ? labels[name] + ' (' + name + ')' : name));
      set.append(label);
    });
    form.append(set);
  }

  function candidateFields(form, texts, modeler, bo, groups) {
    const hint = document.createElement('p');
    hint.id = 'prop-candidates-hint';
    hint.className = 'hint';
    hint.textContent = texts.candidates_hint.replace('{groups}', groups.join(', '));
    TASK_CANDIDATES.forEach((name) => {
      field(form, name, texts[name], input(camundaValue(modeler, bo, name)))
        .setAttribute('aria-describedby', hint.id);
    });
    form.append(hint);
  }

  function show(modeler, form, element, config) {
    const texts = config.texts;
    form.replaceChildren();
    if (!element) return;
    const bo = element.businessObject;
    const forms = config.forms.map((name) => [name, name]);
    field(form, 'id', texts.id, input(bo.id, true));
    if (!is(bo, 'bpmn:Definitions')) field(form, 'name', texts.name, input(bo.name));
    field(form, 'documentation', texts.documentation, area(docText(bo), 3));
    if (is(bo, 'bpmn:UserTask') || is(bo, 'bpmn:StartEvent')) {
      field(form, 'form', texts.form, select(formValue(bo, FORM_PROPS.form), forms, texts.none));
      field(form, 'uiForm', texts.ui_form, select(formValue(bo, FORM_PROPS.uiForm), forms, texts.none));
    }
    if (is(bo, 'bpmn:UserTask')) field(form, 'scope', texts.scope, input(formValue(bo, FORM_PROPS.scope)));
    if (is(bo, 'bpmn:ServiceTask')) {
      const op = findExtension(bo, 'spiffworkflow:ServiceTaskOperator');
      field(form, 'operator', texts.operator,
        select(op ? op.id : '', config.operations.map((name) => [name, name]), texts.none));
      field(form, 'resultVariable', texts.result_variable, input(op ? op.resultVariable : ''));
      parameterRows(form, texts, op && op.parameters ? op.parameters.parameters || [] : []);
    }
    const timer = timerOf(bo);
    if (timer) {
      const kind = TIMER_KINDS.find((k) => timer[k]) || 'timeDuration';
      field(form, 'timerKind', texts.timer_kind, select(kind, TIMER_KINDS.map((k) => [k, texts[k]])));
      field(form, 'timerExpression', texts.timer_expression, input(timer[kind] ? timer[kind].body : ''));
    }
    const groups = Object.fromEntries(config.groups || []);  // name -> label
    if (is(bo, 'bpmn:UserTask')) candidateFields(form, texts, modeler, bo, Object.keys(groups));
    if (is(bo, 'bpmn:Lane')) groupChoices(form, texts, groups, splitList(formValue(bo, LANE_GROUPS)));
    if (is(bo, 'bpmn:SequenceFlow')) field(form, 'condition', texts.condition, area(conditionText(bo), 2));
    if (is(bo, 'bpmn:ScriptTask')) field(form, 'script', texts.script, area(bo.script, 6));
    if (is(bo, 'bpmn:ScriptTask') || is(bo, 'bpmn:SequenceFlow')) helperList(form, texts, config.helpers);
    const lanes = lanesFor(modeler.get('elementRegistry'), element);
    if (lanes.length) {
      const current = laneOf(lanes, bo);
      field(form, 'lane', texts.lane, select(current ? current.id : '',
        lanes.map((l) => [l.id, l.businessObject.name || l.id]), texts.none));
    }
    const submit = document.createElement('button');
    submit.type = 'submit';
    submit.textContent = texts.apply;
    form.append(submit);
  }

  // -- writing into the model --------------------------------------------------------------
  function replaceExtension(modeler, element, type, replacement) {
    const bo = element.businessObject;
    const modeling = modeler.get('modeling');
    const values = extensions(bo).slice();
    const index = values.findIndex((v) => is(v, type));
    if (index >= 0 && replacement) values[index] = replacement;
    else if (index >= 0) values.splice(index, 1);
    else if (replacement) values.push(replacement);
    else return;
    if (bo.extensionElements && values.length) {
      modeling.updateModdleProperties(element, bo.extensionElements, { values });
    } else {
      const ext = values.length ? modeler.get('moddle').create('bpmn:ExtensionElements', { values }) : undefined;
      modeling.updateProperties(element, { extensionElements: ext });
    }
  }

  function applyCandidates(modeler, element, form) {
    const bo = element.businessObject;
    const changed = TASK_CANDIDATES.filter((name) => form.elements[name].value.trim() !== camundaValue(modeler, bo, name));
    if (!changed.length) return;
    let prefix = camundaPrefix(modeler);
    if (!prefix) {
      prefix = 'camunda';
      const definitions = modeler.getDefinitions();
      definitions.$attrs['xmlns:camunda'] = CAMUNDA;
    }
    const props = {};
    changed.forEach((name) => { props[prefix + ':' + name] = form.elements[name].value.trim() || undefined; });
    modeler.get('modeling').updateModdleProperties(element, bo, props);
  }

  function applyProperties(modeler, element, wanted) {
    const bo = element.businessObject;
    if (Object.entries(wanted).every(([name, value]) => formValue(bo, name) === value)) return;
    const moddle = modeler.get('moddle');
    const current = findExtension(bo, 'spiffworkflow:Properties');
    const entries = [];
    const seen = new Set();
    ((current && current.properties) || []).forEach((p) => {
      if (!(p.name in wanted)) entries.push(p);
      else if (wanted[p.name]) entries.push(moddle.create('spiffworkflow:Property', { name: p.name, value: wanted[p.name] }));
      seen.add(p.name);
    });
    Object.entries(wanted).filter(([name, value]) => value && !seen.has(name))
      .forEach(([name, value]) => entries.push(moddle.create('spiffworkflow:Property', { name, value })));
    replaceExtension(modeler, element, 'spiffworkflow:Properties',
      entries.length ? moddle.create('spiffworkflow:Properties', { properties: entries }) : null);
  }

  function applyOperator(modeler, element, form) {
    const bo = element.businessObject;
    const moddle = modeler.get('moddle');
    const old = findExtension(bo, 'spiffworkflow:ServiceTaskOperator');
    const params = Array.from(form.querySelectorAll('fieldset.parameter')).map((row) => {
      const p = {};
      row.querySelectorAll('input').forEach((el) => { if (el.value) p[el.dataset.key] = el.value; });
      return p;
    });
    const id = form.elements.operator.value;
    const result = form.elements.resultVariable.value;
    const before = old ? JSON.stringify([old.id || '', old.resultVariable || '',
      ((old.parameters && old.parameters.parameters) || []).map((p) => ({ id: p.id, type: p.type, value: p.value }))]) : '';
    const after = JSON.stringify([id, result, params.map((p) => ({ id: p.id, type: p.type, value: p.value }))]);
    if (before === after || (!old && !id)) return;
    const operator = moddle.create('spiffworkflow:ServiceTaskOperator', {
      id, resultVariable: result || undefined,
      parameters: moddle.create('spiffworkflow:Parameters', {
        parameters: params.map((p) => moddle.create('spiffworkflow:Parameter', p)),
      }),
      retry: old ? old.retry : undefined,
    });
    replaceExtension(modeler, element, 'spiffworkflow:ServiceTaskOperator', id ? operator : null);
  }

  function applyTimer(modeler, element, kind, body) {
    const timer = timerOf(element.businessObject);
    const current = TIMER_KINDS.find((k) => timer[k]);
    if (current === kind && timer[kind].body === body) return;
    const changes = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
    changes[kind] = modeler.get('moddle').create('bpmn:FormalExpression', { body });
    modeler.get('modeling').updateModdleProperties(element, timer, changes);
  }

  // Moves the shape into the lane (so the drawing agrees), then makes sure the lane lists it.
  function applyLane(modeler, element, laneId) {
    const bo = element.businessObject;
    const registry = modeler.get('elementRegistry');
    const target = lanesFor(registry, element).find((l) => l.id === laneId);
    if (!target || (laneOf(lanesFor(registry, element), bo) || {}).id === laneId) return;
    const modeling = modeler.get('modeling');
    const middle = (shape) => shape.y + shape.height / 2;
    if (middle(element) < target.y || middle(element) > target.y + target.height) {
      modeling.moveElements([element], { x: 0, y: middle(target) - middle(element) }, element.parent);
    }
    const current = laneOf(lanesFor(registry, element), bo);
    if (current && current.id === laneId) return;
    if (current) {
      modeling.updateModdleProperties(current, current.businessObject,
        { flowNodeRef: current.businessObject.flowNodeRef.filter((ref) => ref !== bo) });
    }
    modeling.updateModdleProperties(target, target.businessObject,
      { flowNodeRef: (target.businessObject.flowNodeRef || []).concat([bo]) });
  }

  function apply(modeler, form, element) {
    const bo = element.businessObject;
    const moddle = modeler.get('moddle');
    const value = (name) => (form.elements[name] ? form.elements[name].value : undefined);
    const props = {};
    if (value('name') !== undefined && value('name') !== (bo.name || '')) props.name = value('name') || undefined;
    if (value('documentation') !== docText(bo)) {
      props.documentation = value('documentation')
        ? [moddle.create('bpmn:Documentation', { text: value('documentation') })] : undefined;
    }
    if (value('script') !== undefined && value('script') !== (bo.script || '')) props.script = value('script');
    if (value('condition') !== undefined && value('condition') !== conditionText(bo)) {
      props.conditionExpression = value('condition')
        ? moddle.create('bpmn:FormalExpression', { body: value('condition') }) : undefined;
    }
    if (Object.keys(props).length) modeler.get('modeling').updateProperties(element, props);
    if (value('form') !== undefined) {
      const wanted = { [FORM_PROPS.form]: value('form'), [FORM_PROPS.uiForm]: value('uiForm') };
      if (value('scope') !== undefined) wanted[FORM_PROPS.scope] = value('scope').trim();
      applyProperties(modeler, element, wanted);
    }
    if (value('assignee') !== undefined) applyCandidates(modeler, element, form);
    if (form.querySelector('#prop-laneGroups')) {
      const chosen = Array.from(form.querySelectorAll('input[name=laneGroup]:checked')).map((box) => box.value);
      if (chosen.join(',') !== splitList(formValue(bo, LANE_GROUPS)).join(',')) {
        applyProperties(modeler, element, { [LANE_GROUPS]: chosen.join(',') });
      }
    }
    if (value('operator') !== undefined) applyOperator(modeler, element, form);
    if (value('timerKind') !== undefined) applyTimer(modeler, element, value('timerKind'), value('timerExpression'));
    if (value('lane') !== undefined) applyLane(modeler, element, value('lane'));
  }

  window.InnovationPanel = { show, apply };
}());
