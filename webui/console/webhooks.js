// Webhooks page (admins): endpoints, their one-time secret, deliveries with test and retry.
import { api, qs } from './api.js';
import { $, h, toast, showError, clearFieldErrors, confirmDialog, timeEl } from './dom.js';

let events = [];
let hooksById = new Map(); // id (string) -> webhook, to name each delivery's endpoint
let request = 0;
let refreshTimer = null;
const REFRESH_MS = 3000;

export async function showWebhooks() {
  const mine = ++request;
  try {
    const [hooks, deliveries] = await Promise.all([api('GET', '/webhooks'), api('GET', `/webhooks/deliveries${qs({ limit: 50 })}`)]);
    if (mine !== request) return;
    renderEventChoices(hooks.events || []);
    renderOfflineNote(!!hooks.offline_only);
    hooksById = new Map((hooks.items || []).map((hook) => [String(hook.id), hook]));
    renderHooks(hooks.items || []);
    renderDeliveries(deliveries.items || []);
    // While something is still being sent, look again shortly (only while this page is shown).
    clearTimeout(refreshTimer);
    if ((deliveries.items || []).some((d) => d.status === 'pending')) {
      refreshTimer = setTimeout(() => { if (!$('#view-webhooks').hidden) showWebhooks(); }, REFRESH_MS);
    }
  } catch (err) {
    if (mine === request) showError(err);
  }
}

function renderEventChoices(names) {
  if (names.join() === events.join()) return;
  events = names;
  $('#wh-events').replaceChildren(h('legend', {}, 'Events'), ...names.map((name) => h('label.check', {},
    h('input', { type: 'checkbox', value: name, checked: true, dataset: { testid: `webhook-event-${name}` } }), name)));
}

// Offline-only mode refuses every connection beyond this computer and the LAN: say so before an
// address is added, not only in each refused delivery.
function renderOfflineNote(offlineOnly) {
  const note = $('#wh-offline');
  note.hidden = !offlineOnly;
  note.textContent = offlineOnly ? 'Offline-only mode is on: only addresses on this computer or your local network '
    + 'receive webhooks. Hearth sends nothing to any other address until an admin turns offline-only off '
    + '(Settings → Privacy & safety).' : '';
}

// "hooks.example.com/hearth/events" from the URL, at most `max` characters.
function shortUrl(url, max = 40) {
  let text = url;
  try {
    const u = new URL(url);
    text = `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch { /* shown as stored */ }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const BLOCKED = 'Offline-only mode is on and this address is beyond this computer and your local network: '
  + 'nothing is delivered to it.';

function renderHooks(items) {
  const list = $('#webhook-list');
  if (!items.length) {
    list.replaceChildren(h('li.muted', {}, 'No webhooks yet.'));
    return;
  }
  list.replaceChildren(...items.map((hook) => h('li.webhook', { dataset: { testid: 'webhook-row', id: String(hook.id) } },
    h('code.webhook-url', {}, hook.url),
    h('span.muted', {}, ` ${hook.events.join(', ')}${hook.active ? '' : ' (paused)'}`),
    hook.offline_blocked ? h('span.badge.badge-waiting', { title: BLOCKED, dataset: { testid: 'webhook-offline-blocked' } },
      'Blocked by offline-only mode') : null,
    h('span.webhook-actions', {},
      h('button.btn.small', { type: 'button', dataset: { testid: 'webhook-test' }, onclick: () => sendTest(hook) }, 'Send test event'),
      h('button.btn.small', { type: 'button', onclick: () => setActive(hook, !hook.active) }, hook.active ? 'Pause' : 'Resume'),
      h('button.btn.small.danger', { type: 'button', onclick: () => remove(hook) }, 'Delete')))));
}

function renderDeliveries(items) {
  const body = $('#webhook-deliveries');
  if (!items.length) {
    body.replaceChildren(h('tr', {}, h('td.muted', { colspan: '7' }, 'Nothing sent yet.')));
    return;
  }
  const endpoint = (d) => {
    const hook = hooksById.get(String(d.endpoint_id));
    return hook ? h('code.webhook-url', { title: hook.url }, shortUrl(hook.url)) : `#${d.endpoint_id}`;
  };
  body.replaceChildren(...items.map((d) => h('tr', { dataset: { testid: 'webhook-delivery', status: d.status, id: String(d.id) } },
    h('td', {}, timeEl(d.created_at)),
    h('td', { dataset: { testid: 'webhook-delivery-endpoint' } }, endpoint(d)),
    h('td', {}, d.event),
    h('td', {}, h(`span.badge.delivery-${d.status}`, {}, d.status),
      d.status === 'pending' && d.next_attempt_at ? h('span.muted', {}, ' next ', timeEl(d.next_attempt_at)) : null),
    h('td', {}, String(d.attempts)),
    h('td', {}, d.last_error || (d.last_status_code ? `HTTP ${d.last_status_code}` : '–')),
    h('td', {}, d.status === 'delivered' ? null : h('button.btn.small', {
      type: 'button', dataset: { testid: 'webhook-retry' }, onclick: () => retry(d),
    }, 'Retry now')))));
}

async function add(e) {
  e.preventDefault();
  const form = $('#webhook-form');
  clearFieldErrors(form);
  const chosen = Array.from(form.querySelectorAll('#wh-events input:checked')).map((i) => i.value);
  try {
    const hook = await api('POST', '/webhooks', { url: $('#wh-url').value.trim(), events: chosen });
    $('#wh-url').value = '';
    $('#wh-secret-value').textContent = hook.secret;
    $('#wh-secret').hidden = false;
    toast('Webhook added. Copy its secret now.', 'success');
    if (hook.offline_blocked) {
      toast(`Offline-only mode is on: nothing will be delivered to ${shortUrl(hook.url)} until it is turned off.`,
        'warning', { testid: 'webhook-offline-toast', ms: 15000 });
    }
    showWebhooks();
  } catch (err) {
    showError(err, form);
  }
}

async function sendTest(hook) {
  try {
    await api('POST', `/webhooks/${hook.id}/test`);
    toast('Test event sent.', 'success');
  } catch (err) { showError(err); }
  showWebhooks();
}

async function setActive(hook, active) {
  try { await api('PATCH', `/webhooks/${hook.id}`, { active }); } catch (err) { showError(err); }
  showWebhooks();
}

async function remove(hook) {
  if (!(await confirmDialog(`Delete the webhook to ${hook.url} and its delivery history?`))) return;
  try { await api('DELETE', `/webhooks/${hook.id}`); } catch (err) { showError(err); }
  showWebhooks();
}

async function retry(d) {
  try {
    await api('POST', `/webhooks/deliveries/${d.id}/retry`);
  } catch (err) { showError(err); }
  showWebhooks();
}

export function initWebhooks() {
  $('#webhook-form').addEventListener('submit', add);
  $('#wh-deliveries-refresh').addEventListener('click', showWebhooks);
}
