// Health page (admins): the local model, the cloud fallback, the AI's recent figures and alerts.
import { api } from './api.js';
import { $, h, toast, showError, timeEl } from './dom.js';

const KIND_LABELS = {
  local_model: 'Local model', failure_rate: 'Failure rate', p95_latency: 'Answer time', cache_misses: 'Answer cache',
};
const CLOUD_LABELS = {
  'offline-only': 'Off (offline-only mode)', off: 'Off', 'not-configured': 'On, but no API key', configured: 'Configured',
};
let request = 0;

const pct = (v) => (v === null || v === undefined ? '–' : `${Math.round(v * 1000) / 10}%`);
const secs = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} s`);

export async function showHealth() {
  const mine = ++request;
  const card = $('[data-testid="health-panel"]');
  card.setAttribute('aria-busy', 'true');
  $('#health-refresh').disabled = true;
  try {
    const report = await api('GET', '/health');
    if (mine === request) render(report || {});
  } catch (err) {
    if (mine === request) showError(err);
  } finally {
    if (mine === request) {
      card.setAttribute('aria-busy', 'false');
      $('#health-refresh').disabled = false;
    }
  }
}

function render(report) {
  const local = report.local_model || {};
  const localEl = $('#health-local');
  localEl.dataset.state = local.state || 'unknown';
  localEl.replaceChildren(
    h(`span.health-state.health-${local.state === 'ready' ? 'ok' : 'bad'}`, {},
      local.state === 'ready' ? `Ready (${local.model || ''})` : local.state === 'unknown' ? 'Unknown' : 'Unreachable'),
    h('span.health-detail', {}, local.detail || ''));
  const cloud = report.cloud || {};
  const cloudEl = $('#health-cloud');
  cloudEl.dataset.state = cloud.state || '';
  cloudEl.replaceChildren(h('span.health-state', {}, CLOUD_LABELS[cloud.state] || cloud.state || '–'),
    h('span.health-detail', {}, cloud.detail || ''));
  const w = report.window || {};
  const limits = report.thresholds || {};
  $('#health-failure').textContent = `${pct(w.failure_rate)} (alert above ${pct(limits.failure_rate)})`;
  $('#health-p95').textContent = `${secs(w.p95_seconds)} (alert above ${secs(limits.p95_latency)})`;
  $('#health-cache').textContent = `${pct(w.cache_hit_rate)} (alert when misses exceed ${pct(limits.cache_misses)})`;
  $('#health-window').textContent = `Over the last ${w.minutes || '?'} minutes: ${w.answers || 0} AI answers`
    + `; rate alerts need at least ${limits.min_samples || 0}.`;
  renderAlerts($('#health-alerts'), report.alerts || [], 'No alerts: everything is within its limits.');
  renderAlerts($('#health-history'), report.history || [], 'Nothing has changed yet.');
}

function renderAlerts(list, alerts, emptyText) {
  if (!alerts.length) {
    list.replaceChildren(h('li.muted', {}, emptyText));
    return;
  }
  list.replaceChildren(...alerts.map((a) => h(`li.health-alert.health-${a.state === 'raised' ? 'bad' : 'ok'}`, {
    dataset: { testid: 'health-alert', kind: a.kind, state: a.state },
  }, h('strong', {}, `${KIND_LABELS[a.kind] || a.kind}: `), h('span', {}, a.message), ' ', timeEl(a.at))));
}

// A live `health_alert` from the server: a toast, and a fresh panel when it is on screen.
export function onHealthAlert(alert) {
  if (!alert) return;
  const raised = alert.state === 'raised';
  toast(`${raised ? 'Health alert' : 'Resolved'} — ${alert.message}`, raised ? 'error' : 'success',
    { testid: 'health-toast' });
  if (!$('#view-health').hidden) showHealth();
}

export function initHealth() {
  $('#health-refresh').addEventListener('click', showHealth);
}
