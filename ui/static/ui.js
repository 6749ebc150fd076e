// A little JavaScript where it pays: check a form in the page before it is posted (the server
// checks again), show each error next to its field and in a summary, and move focus to where
// the user has to look (the error summary, a row just added). Every page works without it.
(function () {
  'use strict';

  const FOCUSABLE = 'input:not([type=hidden]), select, textarea, button, a[href]';

  function text(form, name, arg) {
    return (form.dataset['msg' + name] || '').replace('{0}', arg === undefined ? '' : arg);
  }

  function messageFor(form, el) {
    const v = el.validity;
    if (v.valueMissing) return text(form, 'Required');
    if (v.badInput || v.patternMismatch) return el.type === 'date' ? text(form, 'Date') : text(form, 'Number');
    if (v.stepMismatch) return el.step === '1' ? text(form, 'Whole') : text(form, 'Number');
    if (v.rangeUnderflow) return text(form, 'Min', el.min);
    if (v.rangeOverflow) return text(form, 'Max', el.max);
    if (v.typeMismatch && el.type === 'email') return text(form, 'Email');
    if (v.tooShort) return text(form, 'Required');
    if (v.tooLong) return text(form, 'Long');
    return v.valid ? '' : el.validationMessage;
  }

  function errorBox(el) {
    const first = (el.getAttribute('aria-describedby') || '').split(' ')[0];
    return first ? document.getElementById(first) : null;
  }

  function setError(el, message) {
    const box = errorBox(el);
    if (box) box.textContent = message;
    const group = el.type === 'radio' ? el.closest('fieldset') : el.closest('.field');
    const inputs = el.type === 'radio' ? group.querySelectorAll('input[type=radio]') : [el];
    inputs.forEach((input) => (message ? input.setAttribute('aria-invalid', 'true') : input.removeAttribute('aria-invalid')));
    if (group) group.classList.toggle('has-error', Boolean(message));
  }

  function labelOf(el) {
    if (el.type === 'radio') return el.closest('fieldset').querySelector('legend').textContent.replace('*', '').trim();
    const label = document.querySelector('label[for="' + el.id + '"]');
    return label ? label.textContent.replace('*', '').trim() : el.name;
  }

  function validate(form) {
    const problems = [];
    const seenRadios = new Set();
    form.querySelectorAll('input, select, textarea').forEach((el) => {
      if (el.type === 'hidden' || el.type === 'submit') return;
      if (el.type === 'radio') {
        if (seenRadios.has(el.name)) return;
        seenRadios.add(el.name);
      }
      const message = messageFor(form, el);
      setError(el, message);
      if (message) problems.push({ el, message });
    });
    return problems;
  }

  function showSummary(form, problems) {
    const summary = form.querySelector('.error-summary');
    if (!summary) return;
    const list = summary.querySelector('ul');
    list.replaceChildren(...problems.map(({ el, message }) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = '#' + el.id;
      link.textContent = labelOf(el) + ': ' + message;
      item.append(link);
      return item;
    }));
    summary.hidden = false;
    summary.focus();
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form.classList.contains('schema-form')) return;
    const submitter = event.submitter;
    if (submitter && submitter.name !== '_submit') return; // adding or removing a row: no checks yet
    const problems = validate(form);
    if (problems.length) {
      event.preventDefault();
      showSummary(form, problems);
    }
  });

  document.addEventListener('click', (event) => {
    const link = event.target.closest('.error-summary a[href^="#"]');
    if (!link) return;
    const target = document.getElementById(link.getAttribute('href').slice(1));
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });

  // A date that must come after another field's (the UI schema's "ui:after"): its earliest
  // allowed day follows that field's value, so the check above names it before posting.
  function linkDates() {
    document.querySelectorAll('input[data-after]').forEach((el) => {
      const other = document.getElementById(el.dataset.after);
      if (!other) return;
      const update = () => {
        if (!other.value) {
          el.removeAttribute('min');
          return;
        }
        const next = new Date(other.value + 'T00:00:00Z');
        next.setUTCDate(next.getUTCDate() + 1);
        el.min = next.toISOString().slice(0, 10);
      };
      other.addEventListener('change', update);
      update();
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    linkDates();
    const within = document.querySelector('[data-focus-within]');
    const place = within && document.getElementById(within.dataset.focusWithin);
    const summary = document.querySelector('[data-focus]:not([hidden])');
    const target = summary || (place && (place.querySelector(FOCUSABLE) || place));
    if (target) target.focus();
  });
}());
