// Settings → Local network: LAN serving, the chat's LAN address with its QR code, the agents' PCs.
import { api } from './api.js';
import { $, toast, showError, clearFieldErrors } from './dom.js';

let req = 0;

function render(st) {
  $('#lan-enabled').checked = !!st.enabled;
  $('#lan-networks').value = (st.agent_networks || []).join('\n');
  const notice = $('#lan-restart');
  notice.hidden = !st.restart_needed;
  notice.textContent = st.restart_needed
    ? (st.enabled ? 'Restart Hearth to start serving the local network. Until then only this computer can reach it.'
      : 'Restart Hearth to stop serving the local network. Until then the chat stays reachable on the network.')
    : '';
  $('#lan-widget-url').textContent = st.widget_url;
  $('#lan-embed-snippet').textContent = st.embed_snippet;
  // A fresh URL each time: the code changes with the address and the company.
  $('#lan-qr').src = `${st.qr_svg_url}?v=${encodeURIComponent(st.widget_url)}`;
  $('#lan-share').dataset.lan = String(!!st.enabled);
}

export async function showLan() {
  const mine = ++req;
  try {
    const st = await api('GET', '/lan');
    $('#lan-card').hidden = false;
    if (mine === req) render(st);
  } catch (err) {
    if (mine !== req) return;
    if (err.status === 403) $('#lan-card').hidden = true; // another company's admin: the installation is not theirs
    else showError(err);
  }
}

async function save(e) {
  e.preventDefault();
  const form = $('#lan-form');
  clearFieldErrors(form);
  const payload = {
    enabled: $('#lan-enabled').checked,
    agent_networks: $('#lan-networks').value.split(/[\n,]+/).map((t) => t.trim()).filter(Boolean),
  };
  try {
    render(await api('PUT', '/lan', payload));
    toast('Local network settings saved.', 'success');
  } catch (err) {
    showError(err, form);
  }
}

export function initLan() {
  $('#lan-form').addEventListener('submit', save);
}
