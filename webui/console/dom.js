// Small DOM helpers. Server data only ever goes through textContent / attributes,
// never innerHTML, so names, bodies and article text stay inert.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// h('div.msg.msg-agent', {dataset: {testid: 'message'}, onclick: fn}, 'text', childNode, ...)
export function h(tag, props = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className += (el.className ? ' ' : '') + value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const sameId = (a, b) => a !== null && a !== undefined && b !== null && b !== undefined && String(a) === String(b);

export function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

// ---- time ----
// "5m ago" for a past time, "in 5m" for a future one (a retry, a due time); a time a few seconds
// ahead is the server's clock running slightly ahead of this one: "just now".
export function relTime(iso) {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.round((Date.now() - t) / 1000);
  if (s < -10) {
    const ahead = -s;
    if (ahead < 60) return 'in under a minute';
    if (ahead < 3600) return `in ${Math.round(ahead / 60)}m`;
    if (ahead < 86400) return `in ${Math.round(ahead / 3600)}h`;
    if (ahead < 7 * 86400) return `in ${Math.round(ahead / 86400)}d`;
    return `on ${new Date(t).toLocaleDateString()}`;
  }
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  if (s < 7 * 86400) return `${Math.round(s / 86400)}d ago`;
  return new Date(t).toLocaleDateString();
}

export function fullTime(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : new Date(t).toLocaleString();
}

// <time> element that the ticker below keeps fresh.
export function timeEl(iso, prefix = '') {
  const el = h('time', { datetime: iso || '', title: fullTime(iso), dataset: { rel: iso || '', prefix } });
  el.textContent = prefix + relTime(iso);
  return el;
}

setInterval(() => {
  for (const el of $$('time[data-rel]')) el.textContent = (el.dataset.prefix || '') + relTime(el.dataset.rel);
}, 30000);

// ---- notices ----
// `message`: text or nodes. Options: `testid` (default "toast"), `ms` (how long it stays).
export function toast(message, kind = 'error', { testid = 'toast', ms } = {}) {
  const box = $('#toasts');
  const close = h('button.toast-close', { type: 'button', 'aria-label': 'Dismiss' }, '×');
  const el = h(`div.toast.toast-${kind}`, { dataset: { testid } }, h('span', {}, message), close);
  const remove = () => el.remove();
  close.addEventListener('click', remove);
  box.append(el);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(remove, ms || (kind === 'error' ? 8000 : 4000));
}

export function announce(text) {
  const live = $('#announcer');
  live.textContent = '';
  // A fresh text node after a tick makes screen readers read it again.
  setTimeout(() => { live.textContent = text; }, 50);
}

// Show an API error: field errors next to fields inside `form`, the rest as a toast
// (or returned as text, with quiet: true).
export function showError(err, form, { quiet = false } = {}) {
  if (form) clearFieldErrors(form);
  const fields = flattenFields(err && err.fields);
  const leftover = [];
  for (const [key, msgs] of Object.entries(fields)) {
    const short = key.split('.').pop();
    const slot = form && (form.querySelector(`[data-error-for="${CSS.escape(key)}"]`)
      || form.querySelector(`[data-error-for="${CSS.escape(short)}"]`));
    if (slot) {
      slot.textContent = msgs.join(' ');
      const input = slot.dataset.input && document.getElementById(slot.dataset.input);
      if (input) input.setAttribute('aria-invalid', 'true');
    } else leftover.push(`${short}: ${msgs.join(' ')}`);
  }
  const message = (err && err.message) || 'Something went wrong.';
  const text = leftover.length ? `${message} ${leftover.join(' ')}` : message;
  if (!quiet) toast(text, 'error');
  return text;
}

export function clearFieldErrors(form) {
  for (const slot of $$('[data-error-for]', form)) slot.textContent = '';
  for (const input of $$('[aria-invalid]', form)) input.removeAttribute('aria-invalid');
}

function flattenFields(fields, prefix = '', out = {}) {
  if (!fields || typeof fields !== 'object') return out;
  for (const [key, val] of Object.entries(fields)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(val)) out[name] = val.map(String);
    else if (val && typeof val === 'object') flattenFields(val, name, out);
    else out[name] = [String(val)];
  }
  return out;
}

// ---- confirmation dialog (non-native so it can be styled and tested) ----
export function confirmDialog(text, okLabel = 'Delete') {
  const dlg = $('#confirm-dialog');
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = okLabel;
  dlg.returnValue = '';
  dlg.showModal();
  $('#confirm-cancel').focus();
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
  });
}

export function initials(name) {
  return String(name || '?').trim().split(/\s+/).slice(0, 2).map((p) => p[0] || '').join('').toUpperCase() || '?';
}
