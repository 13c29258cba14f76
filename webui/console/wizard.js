// First run: create the company and its admin, import help articles, check Ollama, explain privacy.
import { api } from './api.js';
import { state } from './state.js';
import { $, $$, h, showError, clearFieldErrors } from './dom.js';
import { fileImporter } from './importer.js';
import { lanState } from './lan.js';

const wizard = { slugEdited: false, hooks: null };

// Is this a fresh installation? (Also fetches the CSRF token the wizard's POST needs.)
export async function setupNeeded() {
  try {
    const data = await api('GET', '/setup');
    state.csrf = data.csrf_token;
    return !!data.needed;
  } catch {
    return false;
  }
}

function slugify(text) {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
}

function showStep(step) {
  for (const el of $$('.setup-step', $('#setup-screen'))) el.hidden = el.dataset.step !== step;
  for (const li of $$('.setup-steps li')) {
    if (li.dataset.step === step) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
  }
  const first = $(`.setup-step[data-step="${step}"] input, .setup-step[data-step="${step}"] button`, $('#setup-screen'));
  if (first) first.focus();
  if (step === 'model') checkOllama();
  if (step === 'cloud') loadPrivacy();
}

async function createAccount(e) {
  e.preventDefault();
  const form = $('#setup-account');
  clearFieldErrors(form);
  $('#setup-error').textContent = '';
  const payload = {
    company_name: $('#setup-company-name').value.trim(),
    slug: $('#setup-slug').value.trim() || slugify($('#setup-company-name').value),
    admin_name: $('#setup-admin-name').value.trim(),
    admin_email: $('#setup-admin-email').value.trim(),
    admin_password: $('#setup-admin-password').value,
  };
  const btn = $('[data-testid="setup-submit"]');
  btn.disabled = true;
  try {
    const data = await api('POST', '/setup', payload);
    $('#setup-admin-password').value = '';
    wizard.hooks.onAccount(data);
    showStep('kb');
  } catch (err) {
    $('#setup-error').textContent = showError(err, form, { quiet: true });
  } finally {
    btn.disabled = false;
  }
}

// `import_progress` events from the /agent socket: only this wizard's own import is shown.
let importProgress = () => {};
export const onSetupImportProgress = (ev) => importProgress(ev);

async function checkOllama() {
  const status = $('#setup-ollama-status');
  status.textContent = 'Checking for Ollama…';
  $('#setup-models').replaceChildren();
  $('#setup-install-help').hidden = true;
  try {
    const m = await api('GET', '/models');
    status.dataset.reachable = String(!!m.reachable);
    if (m.reachable) {
      status.textContent = m.models.length
        ? `Ollama is running on this computer with ${m.models.length} model(s).`
        : 'Ollama is running, but has no models yet. Pull a recommended one under Settings → AI models.';
      $('#setup-models').replaceChildren(...m.models.map((x) => h('li', { dataset: { testid: 'setup-model' } },
        x.name, x.name === m.active_model ? h('span.badge', {}, ' answers customers') : null)));
    } else {
      status.textContent = 'Ollama was not found on this computer.';
      $('#setup-install-help').textContent = m.install_help || '';
      $('#setup-install-help').hidden = false;
    }
  } catch (err) {
    status.textContent = showError(err, null, { quiet: true });
  }
}

async function loadPrivacy() {
  try {
    const st = await api('GET', '/ai/status');
    $('#setup-offline-state').textContent = st.offline_only ? 'on' : 'off';
  } catch { /* the explanation stands without the live state */ }
  try {
    showLanState(await api('GET', '/lan'));
  } catch (err) {
    $('#setup-lan-state').textContent = showError(err, null, { quiet: true });
  }
}

function showLanState(st) {
  const { now, next } = lanState(st);
  $('#setup-lan-enabled').checked = !!st.enabled;
  $('#setup-lan-state').textContent = now;
  $('#setup-lan-restart').textContent = next;
  $('#setup-lan-restart').hidden = !st.restart_needed;
}

async function toggleLan() {
  const box = $('#setup-lan-enabled');
  box.disabled = true;
  try {
    showLanState(await api('PUT', '/lan', { enabled: box.checked }));
  } catch (err) {
    box.checked = !box.checked;
    $('#setup-lan-state').textContent = showError(err, null, { quiet: true });
  } finally {
    box.disabled = false;
  }
}

export function showWizard(hooks) {
  wizard.hooks = hooks;
  $('#login-screen').hidden = true;
  $('#app').hidden = true;
  $('#setup-screen').hidden = false;
  document.title = 'Set up · Hearth';
  showStep('account');
}

export function hideWizard() {
  $('#setup-screen').hidden = true;
}

export function initWizard() {
  $('#setup-account').addEventListener('submit', createAccount);
  $('#setup-slug').addEventListener('input', () => { wizard.slugEdited = true; });
  $('#setup-company-name').addEventListener('input', () => {
    if (!wizard.slugEdited) $('#setup-slug').value = slugify($('#setup-company-name').value);
  });
  importProgress = fileImporter({ input: '#setup-import-files', box: '#setup-import-status',
    bar: '#setup-import-progress', text: '#setup-import-text' });
  $('#setup-lan-enabled').addEventListener('change', toggleLan);
  for (const btn of $$('[data-next]', $('#setup-screen'))) btn.addEventListener('click', () => showStep(btn.dataset.next));
  $('[data-testid="setup-finish"]').addEventListener('click', () => wizard.hooks.onDone());
}
