// Webhooks page (admins): endpoints, their one-time secret, deliveries with test and retry.
import { api, qs } from './api.js';
import { $, h, toast, showError, clearFieldErrors, confirmDialog, timeEl } from './dom.js';

let events = [];
let request = 0;
let refreshTimer = null;
const REFRESH_MS = 3000;

export async function showWebhooks() {
  const mine = ++request;
  try {
    const [hooks, deliveries] = await Promise.all([api('GET', '/webhooks'), api('GET', `/webhooks/deliveries${qs({ limit: 50 })}`)]);
    if (mine !== request) return;
    renderEventChoices(hooks.events || []);
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

function renderHooks(items) {
  const list = $('#webhook-list');
  if (!items.length) {
    list.replaceChildren(h('li.muted', {}, 'No webhooks yet.'));
    return;
  }
  list.replaceChildren(...items.map((hook) => h('li.webhook', { dataset: { testid: 'webhook-row', id: String(hook.id) } },
    h('code.webhook-url', {}, hook.url),
    h('span.muted', {}, ` ${hook.events.join(', ')}${hook.active ? '' : ' (paused)'}`),
    h('span.webhook-actions', {},
      h('button.btn.small', { type: 'button', dataset: { testid: 'webhook-test' }, onclick: () => sendTest(hook) }, 'Send test event'),
      h('button.btn.small', { type: 'button', onclick: () => setActive(hook, !hook.active) }, hook.active ? 'Pause' : 'Resume'),
      h('button.btn.small.danger', { type: 'button', onclick: () => remove(hook) }, 'Delete')))));
}

function renderDeliveries(items) {
  const body = $('#webhook-deliveries');
  if (!items.length) {
    body.replaceChildren(h('tr', {}, h('td.muted', { colspan: '6' }, 'Nothing sent yet.')));
    return;
  }
  body.replaceChildren(...items.map((d) => h('tr', { dataset: { testid: 'webhook-delivery', status: d.status, id: String(d.id) } },
    h('td', {}, timeEl(d.created_at)),
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
