// Privacy & safety (Settings): offline-only, the cloud key (only its tail is ever shown), backups.
import { api } from './api.js';
import { $, h, toast, showError, clearFieldErrors, confirmDialog } from './dom.js';

let onAiChanged = () => {};
let current = null;

function render(st) {
  current = st;
  $('#safety-offline').textContent = st.offline_only
    ? 'On — nothing leaves this machine and the local network'
    : 'Off — the cloud fallback may be used by companies that allow it';
  $('#safety-refused').textContent = String(st.refused_connections ?? 0);
  $('#safety-key').textContent = st.cloud_key_set ? `Set (ends in ${String(st.cloud_key_hint || '').replace('…', '')})` : 'Not set';
  const refusals = Array.isArray(st.recent_refusals) ? st.recent_refusals : [];
  $('#safety-refusals').replaceChildren(...refusals.slice().reverse().map((r) => h('li', {},
    `${r.at}: ${r.host}${r.port ? `:${r.port}` : ''} refused (${r.code})`)));
  $('#safety-manage').hidden = !st.can_manage;
  $('#safety-readonly').hidden = !!st.can_manage;
  const toggle = $('#offline-toggle');
  toggle.textContent = st.offline_only ? 'Turn offline-only off' : 'Turn offline-only on';
  toggle.setAttribute('aria-pressed', String(!!st.offline_only));
}

function renderBackups(b) {
  $('#backup-scheduled').textContent = b.scheduled
    ? `Daily backups are on; the newest ${b.keep} are kept in ${b.folder}.`
    : 'Daily backups are off: set a passphrase for them with "Use for daily backups".';
  const items = Array.isArray(b.items) ? b.items : [];
  $('#backup-list').replaceChildren(...items.map((item) => h('li', { dataset: { testid: 'backup-item' } },
    h('a', { href: `/api/v1/backups/${encodeURIComponent(item.name)}`, download: item.name }, item.name),
    h('span.muted', {}, `${item.kind} · ${(item.bytes / 1048576).toFixed(1)} MB`))));
  if (!items.length) $('#backup-list').append(h('li.muted', {}, 'No backups yet.'));
}

export async function showSafety() {
  try {
    render(await api('GET', '/installation'));
    if (current.can_manage) renderBackups(await api('GET', '/backups'));
  } catch (err) {
    showError(err);
  }
}

async function toggleOffline() {
  const turningOff = current && current.offline_only;
  if (turningOff && !(await confirmDialog('Turn offline-only off? Companies that allow the cloud fallback may then '
    + 'send redacted questions to the cloud model.', 'Turn off'))) return;
  try {
    render(await api('PATCH', '/installation', { offline_only: !turningOff }));
    toast(`Offline-only is ${turningOff ? 'off' : 'on'}.`, 'success');
    onAiChanged();
  } catch (err) {
    showError(err);
  }
}

async function saveKey(e) {
  e.preventDefault();
  const form = $('#cloud-key-form');
  clearFieldErrors(form);
  try {
    render(await api('PUT', '/installation/cloud-key', { api_key: $('#cloud-key').value }));
    $('#cloud-key').value = '';
    toast('Cloud API key saved.', 'success');
    onAiChanged();
  } catch (err) {
    showError(err, form);
  }
}

async function removeKey() {
  try {
    render(await api('DELETE', '/installation/cloud-key'));
    toast('Cloud API key removed.', 'success');
    onAiChanged();
  } catch (err) {
    showError(err);
  }
}

async function backupNow(e) {
  e.preventDefault();
  const form = $('#backup-form');
  clearFieldErrors(form);
  const button = $('[data-testid="backup-now"]');
  button.disabled = true;
  try {
    const made = await api('POST', '/backups', { passphrase: $('#backup-pass').value });
    $('#backup-pass').value = '';
    renderBackups(await api('GET', '/backups'));
    toast(`Backup ${made.name} written. Download it from the list.`, 'success');
  } catch (err) {
    showError(err, form);
  } finally {
    button.disabled = false;
  }
}

async function schedule() {
  const form = $('#backup-form');
  clearFieldErrors(form);
  try {
    renderBackups(await api('PUT', '/backups/schedule', { passphrase: $('#backup-pass').value }));
    $('#backup-pass').value = '';
    toast('Daily backups are on.', 'success');
  } catch (err) {
    showError(err, form);
  }
}

export function initSafety(hooks) {
  onAiChanged = hooks.aiChanged;
  $('#offline-toggle').addEventListener('click', toggleOffline);
  $('#cloud-key-form').addEventListener('submit', saveKey);
  $('#cloud-key-remove').addEventListener('click', removeKey);
  $('#backup-form').addEventListener('submit', backupNow);
  $('#backup-schedule').addEventListener('click', schedule);
}
