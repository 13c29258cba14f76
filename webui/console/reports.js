// Reports: a company's figures for a date range, drawn with Chart.js (vendored; global `Chart`),
// each table also shown as an accessible <table> with a "Download CSV" link.
import { api, qs } from './api.js';
import { $, $$, h, showError, clearFieldErrors } from './dom.js';

const TABLES = [
  { name: 'tickets_per_day', title: 'Tickets per day', chart: 'bar',
    labels: { date: 'Date', tickets: 'New tickets', resolved: 'Resolved', resolved_by_ai: 'Resolved by the AI' },
    series: ['tickets', 'resolved', 'resolved_by_ai'], colors: ['--accent', '--success', '--ai-strong'] },
  { name: 'response_times', title: 'Response and resolution times (minutes)',
    labels: { measure: 'Measure', tickets: 'Tickets', median_minutes: 'Median', p90_minutes: '90th percentile' },
    rowLabels: { first_response: 'First human response', resolution: 'Resolution' } },
  { name: 'csat', title: 'Customer satisfaction ratings', chart: 'bar',
    labels: { score: 'Score', ratings: 'Ratings' }, series: ['ratings'], colors: ['--waiting'] },
  { name: 'busiest_hours', title: 'Customer messages by hour of day', chart: 'bar',
    labels: { hour: 'Hour', customer_messages: 'Customer messages' }, series: ['customer_messages'], colors: ['--accent'] },
  { name: 'busiest_weekdays', title: 'Customer messages by weekday', chart: 'bar',
    labels: { weekday: 'Weekday', customer_messages: 'Customer messages' }, series: ['customer_messages'], colors: ['--accent'] },
  { name: 'ai_answers', title: 'Which model answered', chart: 'bar', horizontal: true, labelOf: (r) => `${r[0]} · ${r[1]}`,
    labels: { provider: 'Provider', model: 'Model', answers: 'Answers', from_cache: 'From the cache' },
    series: ['answers', 'from_cache'], colors: ['--ai-strong', '--success'] },
  { name: 'summary', title: 'All figures', labels: { metric: 'Figure', value: 'Value' } },
];

let report = null;
const charts = [];

const isoDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function setRange(from, to) {
  $('#r-from').value = isoDay(from);
  $('#r-to').value = isoDay(to);
}

function lastDays(n) {
  const to = new Date();
  const from = new Date();
  from.setDate(to.getDate() - (n - 1));
  setRange(from, to);
}

function range() { return { from: $('#r-from').value, to: $('#r-to').value }; }

const pct = (v) => (typeof v === 'number' ? `${Math.round(v * 1000) / 10}%` : '–');
const num = (v, unit = '') => (typeof v === 'number' ? `${v}${unit}` : '–');

function duration(minutes) {
  if (typeof minutes !== 'number') return '–';
  if (minutes < 90) return `${Math.round(minutes * 10) / 10} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 6) / 10} h`;
  return `${Math.round(minutes / 144) / 10} d`;
}

function renderSummary(s) {
  const fig = (term, value, detail, testid) => h('div.report-figure', { dataset: { testid } },
    h('dt', {}, term), h('dd', {}, h('span.report-value', {}, value), detail ? h('span.muted.report-detail', {}, detail) : null));
  const csat = s.csat || {};
  const ai = s.ai || {};
  $('#reports-summary').replaceChildren(
    fig('Tickets', num(s.tickets), `${num(s.resolved)} resolved`, 'figure-tickets'),
    fig('AI deflection', pct(s.deflection_rate), `${num(s.deflected)} resolved without a person`, 'figure-deflection'),
    fig('First response (median)', duration(s.first_response.median_minutes), `90th percentile ${duration(s.first_response.p90_minutes)}`, 'figure-first-response'),
    fig('Resolution (median)', duration(s.resolution.median_minutes), `90th percentile ${duration(s.resolution.p90_minutes)}`, 'figure-resolution'),
    fig('SLA compliance', pct(s.sla.compliance), `${num(s.sla.breached)} of ${num(s.sla.tickets_with_targets)} breached`, 'figure-sla'),
    fig('Satisfaction', typeof csat.average === 'number' ? `${csat.average} / 5` : '–', `${num(csat.count)} rating${csat.count === 1 ? '' : 's'}`, 'figure-csat'),
    fig('AI answer time', typeof ai.latency_p50_ms === 'number' ? `${Math.round(ai.latency_p50_ms)} ms` : '–',
      typeof ai.latency_p95_ms === 'number' ? `p95 ${Math.round(ai.latency_p95_ms)} ms` : `${num(ai.answers)} answers`, 'figure-ai-latency'),
    fig('Answer cache', pct(ai.cache_hit_rate), `${num(ai.cache_hits)} of ${num(ai.cache_lookups)} from the cache`, 'figure-cache'));
}

function csvHref(name) { return `/api/v1/reports/${encodeURIComponent(name)}.csv${qs(range())}`; }

function renderTable(def, table) {
  const cols = table.columns;
  const caption = h('caption.sr-only', {}, def.title);
  const head = h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, def.labels[c] || c))));
  const body = h('tbody', {}, ...table.rows.map((row) => h('tr', {}, ...row.map((v, i) => {
    const text = i === 0 && def.rowLabels && def.rowLabels[v] ? def.rowLabels[v] : (v === null || v === '' ? '–' : String(v));
    return i === 0 ? h('th', { scope: 'row' }, text) : h('td', {}, text);
  }))));
  const empty = table.rows.length ? null : h('p.muted', {}, 'Nothing in this range.');
  return [h('div.table-wrap.report-table-wrap', { tabindex: '0', role: 'region', 'aria-label': `${def.title} (table)` }, h('table.table.report-table', { dataset: { testid: `report-table-${def.name}` } }, caption, head, body)), empty];
}

function renderCharts() {
  while (charts.length) charts.pop().destroy();
  if (!report || typeof window.Chart !== 'function') return;
  const text = cssVar('--text');
  const grid = cssVar('--border');
  for (const def of TABLES) {
    const canvas = document.getElementById(`chart-${def.name}`);
    const table = report.tables[def.name];
    if (!canvas || !def.chart || !table) continue;
    const index = (col) => table.columns.indexOf(col);
    const labels = table.rows.map((r) => (def.labelOf ? def.labelOf(r) : String(r[0])));
    const datasets = def.series.map((col, i) => ({
      label: def.labels[col] || col, data: table.rows.map((r) => r[index(col)]),
      backgroundColor: cssVar(def.colors[i]), borderColor: cssVar(def.colors[i]), borderWidth: 1,
    }));
    const axis = { ticks: { color: text, precision: 0 }, grid: { color: grid } };
    charts.push(new window.Chart(canvas, {
      type: def.chart,
      data: { labels, datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, indexAxis: def.horizontal ? 'y' : 'x',
        scales: { x: { ...axis, beginAtZero: true }, y: { ...axis, beginAtZero: true } },
        plugins: { legend: { display: datasets.length > 1, labels: { color: text } } },
      },
    }));
  }
}

function render() {
  renderSummary(report.summary);
  $('#reports-meta').textContent = `${report.from} to ${report.to} (${report.timezone})`;
  $('#reports-tables').replaceChildren(...TABLES.map((def) => {
    const table = report.tables[def.name];
    if (!table) return null;
    const id = `report-${def.name}-h`;
    const chart = def.chart ? h('div.report-chart', {},
      h('canvas', { id: `chart-${def.name}`, role: 'img', 'aria-label': `${def.title} (chart; the same figures are in the table below)`,
        dataset: { testid: `chart-${def.name}` } })) : null;
    return h('section.card.report-card', { 'aria-labelledby': id, dataset: { testid: `report-${def.name}` } },
      h('div.card-head', {}, h('h2', { id }, def.title),
        h('a.btn.small', { href: csvHref(def.name), download: '', dataset: { testid: `csv-${def.name}` } },
          'Download CSV', h('span.sr-only', {}, ` of ${def.title.toLowerCase()}`))),
      chart, ...renderTable(def, table));
  }));
  renderCharts();
}

async function load(e) {
  if (e) e.preventDefault();
  const form = $('#reports-form');
  clearFieldErrors(form);
  $('#reports-form [data-testid="reports-apply"]').disabled = true;
  try {
    report = await api('GET', `/reports${qs(range())}`);
    render();
  } catch (err) {
    showError(err, form);
  } finally {
    $('#reports-form [data-testid="reports-apply"]').disabled = false;
  }
}

export function showReports() {
  if (!$('#r-from').value || !$('#r-to').value) lastDays(30);
  load();
}

export function initReports() {
  $('#reports-form').addEventListener('submit', load);
  for (const btn of $$('.reports-presets button')) {
    btn.addEventListener('click', () => {
      if (btn.dataset.days) lastDays(Number(btn.dataset.days));
      else { const now = new Date(); setRange(new Date(now.getFullYear(), now.getMonth(), 1), now); }
      load();
    });
  }
  // redraw with the other theme's colours
  new MutationObserver(renderCharts).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', renderCharts);
}
