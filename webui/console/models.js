// Settings → AI models: the Ollama host, its models, pulling one with live progress, choosing and testing.
import { api } from './api.js';
import { $, h, toast, showError } from './dom.js';

const mm = { req: 0, pull: null, data: null };

const sizeText = (bytes) => (bytes ? `${(bytes / 1e9).toFixed(1)} GB` : '');

function render(m) {
  mm.data = m;
  const host = $('#models-host');
  host.dataset.reachable = String(!!m.reachable);
  host.textContent = m.reachable
    ? `${m.detail} The model answering customers: ${m.active_model}${m.active_installed ? '' : ' (not installed yet: pull it below)'}.`
    : `${m.detail} Hearth keeps answering customers by quoting your help articles.`;
  $('#models-install-help').hidden = !m.install_help;
  $('#models-install-help').textContent = m.install_help || '';

  const installed = $('#models-installed');
  installed.replaceChildren(...(m.models || []).map((x) => {
    const active = x.name === m.active_model;
    return h('li.model-row', { dataset: { testid: 'model-row', model: x.name, active: String(active) } },
      h('span.model-name', {}, x.name),
      h('span.muted', {}, [x.parameter_size, x.quantization, sizeText(x.size)].filter(Boolean).join(' · ')),
      active ? h('span.badge.badge-status-resolved', { dataset: { testid: 'model-active' } }, 'Answers customers')
        : h('button.btn.small', { type: 'button', dataset: { testid: 'model-use' }, onclick: () => choose(x.name),
          'aria-label': `Use ${x.name} to answer customers` }, 'Use this model'));
  }));
  if (!(m.models || []).length) installed.append(h('li.muted', {}, m.reachable ? 'No models yet.' : 'Ollama is not running.'));

  $('#models-recommended').replaceChildren(...(m.recommended || []).map((r) => h('li.model-row', { dataset: { model: r.name } },
    h('span.model-name', {}, r.name), h('span.muted', {}, `${r.size} · ${r.about}`),
    r.installed ? h('span.muted', {}, 'Installed')
      : h('button.btn.small', { type: 'button', dataset: { testid: 'model-pull' }, disabled: !m.reachable || !!mm.pull,
        onclick: () => pull(r.name), 'aria-label': `Pull ${r.name}` }, 'Pull'))));
}

export async function showModels() {
  const req = ++mm.req;
  const card = $('#models-card');
  card.setAttribute('aria-busy', 'true');
  try {
    const m = await api('GET', '/models');
    card.hidden = false;
    if (req === mm.req) render(m);
  } catch (err) {
    if (req !== mm.req) return;
    if (err.status === 403) card.hidden = true; // another company's admin: the installation is not theirs
    else showError(err);
  } finally {
    if (req === mm.req) card.removeAttribute('aria-busy');
  }
}

function showPull(text, completed, total, st) {
  const box = $('#models-pull');
  box.hidden = false;
  box.dataset.state = st;
  const bar = $('#models-pull-progress');
  bar.max = Math.max(total, 1);
  bar.value = st === 'done' ? bar.max : completed;
  $('#models-pull-text').textContent = text;
}

async function pull(model) {
  try {
    const started = await api('POST', '/models/pull', { model });
    mm.pull = started.pull_id;
    showPull(`Pulling ${model}…`, 0, 1, 'running');
    if (mm.data) render(mm.data);
  } catch (err) {
    showError(err);
  }
}

// `model_pull` events from the /agent socket.
export function onModelPull(ev) {
  if (!ev || (mm.pull && ev.pull_id !== mm.pull)) return;
  if (ev.state === 'running') {
    const pct = ev.total ? ` ${Math.floor((ev.completed / ev.total) * 100)}%` : '';
    showPull(`${ev.model}: ${ev.status}${pct}`, ev.completed, ev.total || 1, 'running');
  } else {
    mm.pull = null;
    showPull(ev.state === 'done' ? `${ev.model} is ready.` : `Pull failed: ${ev.message}`, 1, 1, ev.state);
    showModels();
  }
}

async function choose(model) {
  try {
    await api('PUT', '/models/active', { model });
    toast(`${model} now answers customers.`, 'success');
    showModels();
  } catch (err) {
    showError(err);
  }
}

async function testModel(e) {
  e.preventDefault();
  const out = $('#models-test-result');
  const btn = $('[data-testid="model-test"]');
  btn.disabled = true;
  out.dataset.state = 'running';
  out.textContent = 'Asking the model…';
  try {
    const question = $('#models-test-question').value.trim();
    const r = await api('POST', '/models/test', question ? { question } : {});
    out.dataset.state = 'done';
    const took = r.latency_ms < 1000 ? `${r.latency_ms} ms` : `${(r.latency_ms / 1000).toFixed(1)} s`;
    out.replaceChildren(h('strong', {}, `${r.model} answered in ${took}: `),
      h('span', { dataset: { testid: 'model-test-answer' } }, r.answer));
  } catch (err) {
    out.dataset.state = 'failed';
    out.textContent = showError(err, null, { quiet: true });
  } finally {
    btn.disabled = false;
  }
}

export function initModels() {
  $('#models-refresh').addEventListener('click', showModels);
  $('#models-test').addEventListener('submit', testModel);
}
