// Settings → SLA policy card (admin): targets per priority in business minutes, business hours,
// holidays, warning share and breach actions. GET/PUT /api/v1/sla-policy.
import { api } from './api.js';
import { $, $$, h, toast, showError, clearFieldErrors } from './dom.js';
import { TARGET_LABEL } from './sla.js';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TARGETS = ['first_response', 'next_response', 'resolution'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DEFAULT_SPAN = ['09:00', '17:00'];
const localZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; } };

let extraSpans = {}; // weekday -> spans after the first (kept as they are; this form edits one span a day)
let loadReq = 0;

const errorSlot = (key, inputId) => h('p.field-error', { dataset: inputId ? { errorFor: key, input: inputId } : { errorFor: key } });

// "= 1 h 30 m" for 90 minutes (nothing under an hour).
export function unitHint(value) {
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || n < 60) return '';
  const hours = Math.floor(n / 60);
  const mins = Math.round(n - hours * 60);
  return `= ${hours} h${mins ? ` ${mins} m` : ''}`;
}

function build() {
  const form = $('#sla-form');
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Priority'),
    ...TARGETS.map((t) => h('th', { scope: 'col' }, TARGET_LABEL[t])));
  const rows = PRIORITIES.map((p) => h('tr', {}, h('th', { scope: 'row' }, p[0].toUpperCase() + p.slice(1)),
    ...TARGETS.map((t) => {
      const id = `sla-t-${t}-${p}`;
      const input = h('input', {
        id, type: 'number', min: '1', max: '525600', step: 'any', inputmode: 'numeric', placeholder: '–',
        'aria-label': `${TARGET_LABEL[t]} for ${p} priority, in minutes`,
        dataset: { testid: `sla-target-${t}-${p}`, target: t, priority: p },
      });
      const hint = h('span.sla-unit', { 'aria-hidden': 'true' });
      input.addEventListener('input', () => { hint.textContent = unitHint(input.value); });
      return h('td', {}, input, hint, errorSlot(`targets.${t}.${p}`, id));
    })));

  const always = h('input', { id: 'sla-247', type: 'checkbox', dataset: { testid: 'sla-247' } });
  const dayRows = DAYS.map((name, i) => {
    const open = h('input', { id: `sla-day-${i}`, type: 'checkbox', dataset: { testid: `sla-day-${i}`, day: String(i) } });
    const start = h('input', { id: `sla-start-${i}`, type: 'time', 'aria-label': `${name} opens at`, dataset: { testid: `sla-start-${i}` } });
    const end = h('input', { id: `sla-end-${i}`, type: 'time', 'aria-label': `${name} closes at`, dataset: { testid: `sla-end-${i}` } });
    open.addEventListener('change', () => {
      if (open.checked && !start.value && !end.value) [start.value, end.value] = DEFAULT_SPAN;
      syncHours();
    });
    return h('tr', { dataset: { day: String(i) } },
      h('td', {}, h('label.check', { for: open.id }, open, name)),
      h('td', {}, h('span.sla-inline', {}, start, '–', end, h('span.muted.sla-extra', { id: `sla-extra-${i}` })),
        errorSlot(`hours.weekly.${i}`, start.id)));
  });
  always.addEventListener('change', () => {
    // Leaving 24/7: start from office hours on weekdays unless days were already set.
    if (!always.checked && !$$('#sla-days input[data-day]').some((c) => c.checked)) {
      for (let i = 0; i < 5; i += 1) {
        $(`#sla-day-${i}`).checked = true;
        [$(`#sla-start-${i}`).value, $(`#sla-end-${i}`).value] = DEFAULT_SPAN;
      }
    }
    syncHours();
  });

  form.replaceChildren(
    h('div.card-head', {}, h('h2', { id: 'sla-h' }, 'SLA policy')),
    h('p.muted', {}, 'Targets are business minutes per priority; leave a field empty for no target. '
      + 'Pending tickets (waiting on the customer) pause the clock.'),
    h('fieldset', {}, h('legend', {}, 'Targets (minutes)'),
      h('div.table-wrap', {}, h('table.table.sla-targets', {}, h('thead', {}, head), h('tbody', {}, ...rows))),
      errorSlot('targets')),
    h('fieldset', {}, h('legend', {}, 'Business hours'),
      h('label', { for: 'sla-tz' }, 'Time zone ', h('span.muted', {}, '(e.g. Europe/Oslo)')),
      h('input', { id: 'sla-tz', type: 'text', autocomplete: 'off', spellcheck: 'false', dataset: { testid: 'sla-tz' } }),
      errorSlot('hours.tz', 'sla-tz'),
      h('label.check', { for: 'sla-247' }, always, 'Open 24/7 ', h('span.muted', {}, '(every hour of every day counts)')),
      h('div.table-wrap', {}, h('table.table.sla-days', { id: 'sla-days' }, h('tbody', {}, ...dayRows))),
      errorSlot('hours.weekly'),
      h('label', { for: 'sla-holidays' }, 'Holidays ', h('span.muted', {}, '(comma-separated YYYY-MM-DD; they do not count)')),
      h('input', { id: 'sla-holidays', type: 'text', placeholder: '2026-12-25, 2026-12-26', autocomplete: 'off', dataset: { testid: 'sla-holidays' } }),
      errorSlot('hours.holidays', 'sla-holidays')),
    h('fieldset', {}, h('legend', {}, 'Alerts and actions'),
      h('label', { for: 'sla-warn' }, 'Warn when this share of the time is used'),
      h('span.sla-inline', {}, h('input', { id: 'sla-warn', type: 'number', min: '10', max: '99', step: '1', dataset: { testid: 'sla-warn' } }), '%'),
      errorSlot('warn_share', 'sla-warn'),
      h('label.check', { for: 'sla-raise' }, h('input', { id: 'sla-raise', type: 'checkbox', dataset: { testid: 'sla-raise-priority' } }),
        'Raise the priority of a ticket when it breaches'),
      h('label.check', { for: 'sla-reassign' }, h('input', { id: 'sla-reassign', type: 'checkbox', dataset: { testid: 'sla-reassign' } }),
        'Reassign a breached ticket to another available agent'),
      h('label.check', { for: 'sla-notify' }, h('input', { id: 'sla-notify', type: 'checkbox', dataset: { testid: 'sla-notify-admins' } }),
        'Notify admins of breaches'),
      errorSlot('actions')),
    h('div.form-actions', {}, h('button.btn.primary', { type: 'submit', dataset: { testid: 'sla-save' } }, 'Save SLA policy')));
}

function syncHours() {
  const always = $('#sla-247').checked;
  $('#sla-days').hidden = always;
  for (let i = 0; i < 7; i += 1) {
    const on = $(`#sla-day-${i}`).checked;
    $(`#sla-start-${i}`).disabled = !on;
    $(`#sla-end-${i}`).disabled = !on;
  }
}

function fill(policy) {
  const p = policy || {};
  const targets = p.targets || {};
  for (const t of TARGETS) {
    for (const pr of PRIORITIES) {
      const v = (targets[t] || {})[pr];
      const input = $(`#sla-t-${t}-${pr}`);
      input.value = typeof v === 'number' ? String(Math.round(v * 100) / 100) : '';
      input.nextElementSibling.textContent = unitHint(input.value);
    }
  }
  const hours = p.hours || {};
  $('#sla-tz').value = hours.tz || localZone();
  const weekly = hours.weekly && typeof hours.weekly === 'object' ? hours.weekly : {};
  const hasWeekly = Object.values(weekly).some((s) => Array.isArray(s) && s.length);
  $('#sla-247').checked = !hasWeekly;
  extraSpans = {};
  for (let i = 0; i < 7; i += 1) {
    const spans = Array.isArray(weekly[String(i)]) ? weekly[String(i)] : [];
    const first = Array.isArray(spans[0]) ? spans[0] : null;
    $(`#sla-day-${i}`).checked = !!first;
    $(`#sla-start-${i}`).value = first ? String(first[0]) : '';
    $(`#sla-end-${i}`).value = first ? String(first[1]) : '';
    extraSpans[i] = spans.slice(1);
    $(`#sla-extra-${i}`).textContent = extraSpans[i].length
      ? `also ${extraSpans[i].map((s) => `${s[0]}–${s[1]}`).join(', ')}` : '';
  }
  $('#sla-holidays').value = Array.isArray(hours.holidays) ? hours.holidays.join(', ') : '';
  $('#sla-warn').value = String(Math.round((typeof p.warn_share === 'number' ? p.warn_share : 0.8) * 100));
  $('#sla-raise').checked = !!(p.actions && p.actions.raise_priority);
  $('#sla-notify').checked = !!(p.actions && p.actions.notify_admins);
  $('#sla-reassign').checked = !!(p.actions && p.actions.reassign);
  syncHours();
}

// The PUT body, or {errors} (field key -> [message]) found before asking the server.
function collect() {
  const errors = {};
  const targets = {};
  for (const t of TARGETS) {
    for (const pr of PRIORITIES) {
      const input = $(`#sla-t-${t}-${pr}`);
      const raw = input.value.trim();
      if (raw === '' && !input.validity.badInput) continue;
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n) || n < 1 || n > 525600) {
        errors[`targets.${t}.${pr}`] = ['A number of minutes from 1 to 525600, or empty.'];
      } else (targets[t] = targets[t] || {})[pr] = n;
    }
  }
  const tz = $('#sla-tz').value.trim();
  if (!tz) errors['hours.tz'] = ['Enter a time zone, e.g. Europe/Oslo.'];
  const weekly = {};
  if (!$('#sla-247').checked) {
    for (let i = 0; i < 7; i += 1) {
      if (!$(`#sla-day-${i}`).checked) continue;
      const start = $(`#sla-start-${i}`).value;
      const end = $(`#sla-end-${i}`).value;
      if (!start || !end) errors[`hours.weekly.${i}`] = ['Enter the opening and closing times.'];
      else if (end !== '00:00' && end <= start) errors[`hours.weekly.${i}`] = ['Closing must be after opening (00:00 = midnight).'];
      else weekly[String(i)] = [[start, end], ...(extraSpans[i] || [])];
    }
    if (!Object.keys(weekly).length && !Object.keys(errors).some((k) => k.startsWith('hours.weekly'))) {
      errors['hours.weekly'] = ['Open at least one day, or choose Open 24/7.'];
    }
  }
  const holidays = $('#sla-holidays').value.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
  const bad = holidays.filter((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)));
  if (bad.length) errors['hours.holidays'] = [`Not a date like 2026-12-25: ${bad.join(', ')}`];
  const warnRaw = $('#sla-warn').value.trim();
  const warn = warnRaw === '' ? 80 : Number(warnRaw);
  if (!Number.isFinite(warn) || warn < 10 || warn > 99) errors.warn_share = ['A percentage from 10 to 99.'];
  if (Object.keys(errors).length) return { errors };
  return {
    body: {
      targets,
      hours: { tz, weekly, holidays },
      warn_share: Math.round(warn) / 100,
      actions: { raise_priority: $('#sla-raise').checked, notify_admins: $('#sla-notify').checked,
        reassign: $('#sla-reassign').checked },
    },
  };
}

export async function showSlaPolicy() {
  const form = $('#sla-form');
  clearFieldErrors(form);
  const req = ++loadReq;
  form.setAttribute('aria-busy', 'true');
  try {
    const policy = await api('GET', '/sla-policy');
    if (req === loadReq) fill(policy);
  } catch (err) {
    if (req === loadReq) showError(err);
  } finally {
    if (req === loadReq) form.removeAttribute('aria-busy');
  }
}

async function save(e) {
  e.preventDefault();
  const form = $('#sla-form');
  clearFieldErrors(form);
  const { body, errors } = collect();
  if (errors) {
    showError({ message: 'Check the highlighted SLA fields.', fields: errors }, form);
    const first = form.querySelector('.field-error:not(:empty)');
    const input = first && first.dataset.input && document.getElementById(first.dataset.input);
    if (input) input.focus();
    return;
  }
  const btn = form.querySelector('button[type="submit"]');
  btn.disabled = true;
  loadReq += 1; // a slow load must not overwrite what is being saved
  try {
    fill(await api('PUT', '/sla-policy', body));
    toast('SLA policy saved.', 'success');
  } catch (err) {
    showError(err, form);
  } finally {
    btn.disabled = false;
  }
}

export function initSlaPolicy() {
  build();
  fill(null);
  $('#sla-form').addEventListener('submit', save);
}
