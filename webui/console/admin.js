// Admin pages: company settings, users (and their passwords), audit trail.
import { api, qs } from './api.js';
import { state } from './state.js';
import { $, h, sameId, timeEl, toast, showError, clearFieldErrors, confirmDialog } from './dom.js';
import { initSlaPolicy, showSlaPolicy } from './sla-policy.js';
import { initRouting, showRouting } from './routing.js';
import { initSafety, showSafety } from './safety.js';

let onCompanyChanged = () => {};
let onUsersChanged = () => {};

// ---------------------------------------------------------------- settings

function fillSettings(c) {
  const s = c.settings || {};
  $('#s-name').value = c.name || '';
  $('#s-color').value = /^#[0-9a-f]{6}$/i.test(s.widget_color || '') ? s.widget_color : '#2563eb';
  $('#s-greeting').value = s.widget_greeting || '';
  $('#s-prompt').value = s.ai_system_prompt || '';
  $('#s-threshold').value = s.ai_confidence_threshold ?? 0.5;
  $('#s-ai-enabled').checked = s.ai_enabled === true;
  $('#s-ai-cloud').checked = s.ai_cloud_fallback === true;
  $('#s-retention-days').value = s.retention_days ?? 0;
  $('#s-retention-action').value = s.retention_action === 'anonymise' ? 'anonymise' : 'delete';
  const snippet = `<script src="${location.origin}/widget.js" data-company="${c.slug}" async></script>`;
  $('#embed-snippet').textContent = snippet;
  const link = $('#chat-link');
  link.href = `/chat/${encodeURIComponent(c.slug)}`;
  link.textContent = `${location.origin}/chat/${c.slug}`;
}

export async function showSettings() {
  clearFieldErrors($('#settings-form'));
  if (state.company) fillSettings(state.company);
  loadAiStatus();
  showSlaPolicy();
  showRouting();
  showSafety();
  try {
    state.company = await api('GET', '/company');
    fillSettings(state.company);
  } catch (err) {
    showError(err);
  }
}

async function saveSettings(e) {
  e.preventDefault();
  const form = $('#settings-form');
  clearFieldErrors(form);
  const threshold = Number($('#s-threshold').value);
  if ($('#s-threshold').value === '' || !(threshold >= 0 && threshold <= 1)) {
    showError({ message: 'The confidence threshold must be a number between 0 and 1.',
      fields: { ai_confidence_threshold: ['Between 0 and 1.'] } }, form);
    return;
  }
  // Send only what changed, so the audit trail shows real changes.
  const current = state.company || {};
  const wanted = {
    widget_color: $('#s-color').value,
    widget_greeting: $('#s-greeting').value,
    ai_system_prompt: $('#s-prompt').value,
    ai_confidence_threshold: threshold,
    ai_enabled: $('#s-ai-enabled').checked,
    ai_cloud_fallback: $('#s-ai-cloud').checked,
    retention_days: Number($('#s-retention-days').value || 0),
    retention_action: $('#s-retention-action').value,
  };
  const body = {};
  const name = $('#s-name').value.trim();
  if (name !== current.name) body.name = name;
  const settings = {};
  for (const [k, v] of Object.entries(wanted)) {
    const was = (current.settings || {})[k];
    const old = String(was ?? '');
    const same = typeof v === 'boolean' ? v === (was === true)
      : k === 'widget_color' ? String(v).toLowerCase() === old.toLowerCase() : String(v) === old;
    if (!same) settings[k] = v;
  }
  if (Object.keys(settings).length) body.settings = settings;
  if (!Object.keys(body).length) { toast('No changes to save.', 'info'); return; }
  const btn = form.querySelector('button[type="submit"]');
  btn.disabled = true;
  try {
    state.company = await api('PATCH', '/company', body);
    fillSettings(state.company);
    onCompanyChanged();
    toast('Settings saved.', 'success');
    if (body.settings && 'ai_cloud_fallback' in body.settings) loadAiStatus(); // may change what can answer
  } catch (err) {
    showError(err, form);
  } finally {
    btn.disabled = false;
  }
}

// ---------------------------------------------------------------- AI status

let aiStatusReq = 0;

async function loadAiStatus() {
  const req = ++aiStatusReq;
  const card = $('#ai-status');
  card.setAttribute('aria-busy', 'true');
  $('#ai-status-refresh').disabled = true;
  if (!$('#ai-providers').children.length) $('#ai-providers').replaceChildren(h('li.muted', {}, 'Checking the models…'));
  try {
    const st = await api('GET', '/ai/status');
    if (req === aiStatusReq) renderAiStatus(st || {});
  } catch (err) {
    if (req !== aiStatusReq) return;
    $('#ai-providers').replaceChildren(h('li.muted', {}, 'The AI status could not be loaded.'));
    $('#ai-facts').replaceChildren();
    showError(err);
  } finally {
    if (req === aiStatusReq) {
      card.removeAttribute('aria-busy');
      $('#ai-status-refresh').disabled = false;
    }
  }
}

function renderAiStatus(st) {
  const providers = Array.isArray(st.providers) ? st.providers : [];
  $('#ai-providers').replaceChildren(...providers.map((p) => h('li.ai-provider', {
    dataset: { testid: 'ai-provider', provider: p.name, available: String(!!p.available) },
  },
  h('span.status-dot', { class: p.available ? 'on' : 'off', title: p.available ? 'Available' : 'Not available' }),
  h('span.sr-only', {}, p.available ? 'Available: ' : 'Not available: '),
  h('span.ai-provider-name', {}, p.name),
  Array.isArray(p.models) && p.models.length ? h('span.ai-provider-models', {}, p.models.join(', ')) : null,
  p.detail ? h('span.ai-provider-detail', {}, p.detail) : null)));
  if (!providers.length) $('#ai-providers').append(h('li.muted', {}, 'No answer providers are configured.'));
  const cache = st.cache || {};
  const hits = Number(cache.hits) || 0;
  const misses = Number(cache.misses) || 0;
  const rate = typeof cache.hit_rate === 'number' ? cache.hit_rate : (hits + misses ? hits / (hits + misses) : 0);
  const fact = (term, value, testid) => h('div.ai-fact', { dataset: testid ? { testid } : undefined },
    h('dt', {}, `${term}:`), ' ', h('dd', {}, value));
  $('#ai-facts').replaceChildren(
    fact('Offline-only mode', st.offline_only ? 'on' : 'off', 'ai-offline-only'),
    fact('Cloud fallback', st.cloud_allowed ? 'allowed' : 'not used', 'ai-cloud'),
    fact('Answer cache', hits + misses
      ? `${Math.round(rate * 100)}% hit rate (${hits} hit${hits === 1 ? '' : 's'}, ${misses} miss${misses === 1 ? '' : 'es'})`
      : 'no questions answered yet (0% hit rate)', 'ai-cache'),
    ...(st.embedder ? [fact('Embedder', st.embedder)] : []));
  const hint = $('#s-ai-cloud-hint');
  hint.hidden = !st.offline_only;
  hint.textContent = st.offline_only ? 'Offline-only mode is on for this server, so the cloud is never used.' : '';
}

async function copySnippet() {
  const text = $('#embed-snippet').textContent;
  try {
    await navigator.clipboard.writeText(text);
    toast('Snippet copied.', 'success');
  } catch {
    const range = document.createRange();
    range.selectNodeContents($('#embed-snippet'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    toast('Press Ctrl+C to copy the selected snippet.', 'info');
  }
}

// ---------------------------------------------------------------- users

export async function loadUsers() {
  const data = await api('GET', '/users');
  state.users = data.items || [];
  onUsersChanged();
  return state.users;
}

function renderUsers() {
  const me = state.user;
  $('#users-body').replaceChildren(...state.users.map((u) => {
    const self = me && sameId(u.id, me.id);
    const role = h('select', { 'aria-label': `Role of ${u.name}`, disabled: self },
      h('option', { value: 'agent' }, 'Agent'), h('option', { value: 'admin' }, 'Admin'));
    role.value = u.role;
    role.addEventListener('change', () => updateUser(u, { role: role.value }, `${u.name} is now ${role.value}.`));
    const active = u.active !== false;
    const toggle = h('button.btn.small', { type: 'button', class: active ? 'danger' : null, disabled: self },
      active ? 'Deactivate' : 'Activate');
    toggle.addEventListener('click', async () => {
      if (active && !(await confirmDialog(`Deactivate ${u.name}? They will no longer be able to sign in.`, 'Deactivate'))) return;
      updateUser(u, { active: !active }, `${u.name} ${active ? 'deactivated' : 'activated'}.`);
    });
    const locked = isLocked(u);
    const unlock = locked ? h('button.btn.small', { type: 'button', dataset: { testid: 'user-unlock' },
      'aria-label': `Unlock ${u.name}` }, 'Unlock') : null;
    unlock?.addEventListener('click', () => unlockUser(u));
    // your own password is changed with your current one: your name in the top bar
    const newPassword = self ? null : h('button.btn.small', { type: 'button', dataset: { testid: 'user-set-password' },
      'aria-label': `Set a new password for ${u.name}`, 'aria-haspopup': 'dialog' }, 'Set password');
    newPassword?.addEventListener('click', () => openSetPassword(u));
    return h('tr', { class: active ? null : 'inactive', dataset: { userId: u.id, testid: 'user-row' } },
      h('td', {}, u.name, self ? h('span.muted', {}, ' (you)') : null),
      h('td', {}, u.email),
      h('td', {}, role),
      h('td', {}, active ? h('span.badge.badge-status-resolved', {}, 'Active') : h('span.badge', {}, 'Inactive'),
        locked ? [' ', h('span.badge.badge-waiting', { dataset: { testid: 'user-locked' },
          title: `Too many failed logins: locked until ${new Date(u.locked_until).toLocaleString()}` }, 'Locked')] : null),
      h('td', {}, h('span.row-actions', {}, unlock, newPassword, toggle)));
  }));
}

// Locked by failed logins: the server keeps `locked_until` until the next login, so a past one no longer locks.
const isLocked = (u) => !!u.locked_until && new Date(u.locked_until).getTime() > Date.now();

async function unlockUser(u) {
  try {
    const updated = await api('POST', `/users/${encodeURIComponent(u.id)}/unlock`);
    state.users = state.users.map((x) => (sameId(x.id, u.id) ? updated : x));
    toast(`${u.name} can sign in again.`, 'success');
  } catch (err) {
    showError(err);
  }
  renderUsers();
}

async function updateUser(u, changes, message) {
  try {
    const updated = await api('PATCH', `/users/${encodeURIComponent(u.id)}`, changes);
    state.users = state.users.map((x) => (sameId(x.id, u.id) ? updated : x));
    onUsersChanged();
    toast(message, 'success');
  } catch (err) {
    showError(err);
  }
  renderUsers();
}

let passwordFor = null; // the user the "Set password" dialog is for

function openSetPassword(u) {
  passwordFor = u;
  const dlg = $('#set-password-dialog');
  clearFieldErrors(dlg);
  $('#set-password-error').textContent = '';
  $('#set-password-name').textContent = u.name;
  dlg.showModal();
  $('#set-password-input').focus();
}

async function setPassword(e) {
  e.preventDefault();
  const u = passwordFor;
  const form = $('#set-password-form');
  clearFieldErrors(form);
  $('#set-password-error').textContent = '';
  const btn = $('#set-password-save');
  btn.disabled = true;
  try {
    await api('PATCH', `/users/${encodeURIComponent(u.id)}`, { password: $('#set-password-input').value });
    $('#set-password-dialog').close();
    toast(`${u.name}'s password was changed; their sessions were signed out.`, 'success');
  } catch (err) {
    const text = showError(err, form, { quiet: true }); // in the dialog, above its backdrop
    $('#set-password-error').textContent = err.fields ? '' : text;
    $('#set-password-input').select();
  } finally {
    btn.disabled = false;
  }
}

export async function showUsers() {
  renderUsers();
  try { await loadUsers(); renderUsers(); } catch (err) { showError(err); }
}

async function addUser(e) {
  e.preventDefault();
  const form = $('#user-form');
  clearFieldErrors(form);
  const body = {
    email: $('#u-email').value.trim(), name: $('#u-name').value.trim(),
    password: $('#u-password').value, role: $('#u-role').value,
  };
  const btn = form.querySelector('button[type="submit"]');
  btn.disabled = true;
  try {
    const u = await api('POST', '/users', body);
    state.users = [...state.users, u];
    onUsersChanged();
    renderUsers();
    form.reset();
    toast(`${u.name} was added.`, 'success');
  } catch (err) {
    showError(err, form);
  } finally {
    btn.disabled = false;
  }
}

// ---------------------------------------------------------------- audit

const audit = { items: [], total: 0 };

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function detailValue(v) {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v) && !v.some((x) => x !== null && typeof x === 'object')) return v.length ? v.map(detailValue).join(', ') : '(none)';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// An entry's details, one line each and every value kept: "status: open → pending" for a ticket's
// changes (each [before, after]), "settings.ai_enabled: false" for new values, nested names dotted.
function detailsText(entry) {
  const d = entry.details;
  if (d === null || d === undefined || d === '') return '';
  if (!isPlainObject(d)) return detailValue(d);
  const pairs = String(entry.action).startsWith('ticket.');
  const lines = [];
  const walk = (obj, prefix) => {
    for (const [key, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (key === 'changes' && !prefix && isPlainObject(v)) {
        for (const [field, change] of Object.entries(v)) {
          if (pairs && Array.isArray(change) && change.length === 2) {
            lines.push(`${field}: ${detailValue(change[0])} → ${detailValue(change[1])}`);
          } else if (isPlainObject(change)) walk(change, field);
          else lines.push(`${field}: ${detailValue(change)}`);
        }
      } else if (isPlainObject(v)) walk(v, name);
      else lines.push(`${name}: ${detailValue(v)}`);
    }
  };
  walk(d, '');
  return lines.join('\n');
}

function renderAudit() {
  $('#audit-body').replaceChildren(...audit.items.map((a) => h('tr', {},
    h('td.nowrap', {}, timeEl(a.created_at)),
    h('td', {}, a.actor ? a.actor.name : h('span.muted', {}, 'system')),
    h('td', {}, h('code', {}, a.action)),
    h('td', {}, [a.target_type, a.target_id].filter((x) => x !== null && x !== undefined && x !== '').join(' ')),
    h('td.details', { dataset: { testid: 'audit-details' } }, detailsText(a)))));
  $('#audit-meta').textContent = audit.total ? `${audit.items.length} of ${audit.total} entries` : 'No entries yet.';
  $('#audit-more').hidden = audit.items.length >= audit.total;
}

async function loadAudit(more) {
  try {
    const data = await api('GET', `/audit${qs({ limit: 50, offset: more ? audit.items.length : 0 })}`);
    audit.items = more ? audit.items.concat(data.items || []) : data.items || [];
    audit.total = typeof data.total === 'number' ? data.total : audit.items.length;
    renderAudit();
  } catch (err) {
    showError(err);
  }
}

export function showAudit() { loadAudit(false); }

// ---------------------------------------------------------------- wiring

export function initAdmin(hooks) {
  onCompanyChanged = hooks.companyChanged;
  onUsersChanged = hooks.usersChanged;
  $('#settings-form').addEventListener('submit', saveSettings);
  initSlaPolicy();
  initRouting();
  initSafety({ aiChanged: loadAiStatus });
  $('#copy-embed').addEventListener('click', copySnippet);
  $('#ai-status-refresh').addEventListener('click', loadAiStatus);
  $('#user-form').addEventListener('submit', addUser);
  const passwordDialog = $('#set-password-dialog');
  $('#set-password-form').addEventListener('submit', setPassword);
  $('#set-password-cancel').addEventListener('click', () => passwordDialog.close());
  passwordDialog.addEventListener('close', () => { $('#set-password-form').reset(); passwordFor = null; });
  $('#audit-more').addEventListener('click', () => loadAudit(true));
}
