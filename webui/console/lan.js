// Settings → Local network: LAN serving, the chat's LAN address with its QR code, the agents' PCs.
import { api } from './api.js';
import { $, toast, showError, clearFieldErrors } from './dom.js';

let req = 0;

const RESTART_HOW = 'To restart: close Hearth\'s window and open Hearth again (on a server: restart its service).';

// What the network can reach now, and what changes at the next start. Shared with the first-run wizard.
export function lanState(st) {
  const only = 'only this computer can reach Hearth';
  const open = `phones and PCs on the local network can open the chat at ${st.widget_url}`;
  if (st.fixed_by_host) {
    return { now: `Now: ${open}. Hearth was started with --host ${st.fixed_by_host}, so this switch changes nothing.`,
      next: '' };
  }
  if (st.enabled && st.loopback_lan_host && !st.listening_on_lan) {
    return { now: `Now: ${only}. LAN serving is on, but the lan_host setting is ${st.loopback_lan_host}, a loopback `
      + 'address: to serve the local network, set lan_host to 0.0.0.0 (in settings.json in the data folder, or in '
      + 'the HEARTH_LAN_HOST environment variable, which wins when set) and restart Hearth.', next: '' };
  }
  const now = `Now: ${st.listening_on_lan ? open : only}.`;
  if (!st.restart_needed) return { now, next: '' };
  return {
    now,
    next: st.enabled
      ? `Saved, not active yet. Restart Hearth to start serving the local network; until then ${only}. ${RESTART_HOW}`
      : `Saved, not active yet. Restart Hearth to stop serving the local network; until then the chat stays reachable there. ${RESTART_HOW}`,
  };
}

function render(st) {
  $('#lan-enabled').checked = !!st.enabled;
  $('#lan-networks').value = (st.agent_networks || []).join('\n');
  const { now, next } = lanState(st);
  $('#lan-state').textContent = now;
  $('#lan-state').dataset.listening = String(!!st.listening_on_lan);
  const notice = $('#lan-restart');
  notice.hidden = !st.restart_needed;
  notice.textContent = next;
  $('#lan-widget-url').textContent = st.widget_url;
  $('#lan-embed-snippet').textContent = st.embed_snippet;
  // A fresh URL each time: the code changes with the address and the company.
  $('#lan-qr').src = `${st.qr_svg_url}?v=${encodeURIComponent(st.widget_url)}`;
  $('#lan-share').dataset.lan = String(!!st.enabled);
  $('#lan-share-pending').hidden = !(st.enabled && st.restart_needed);
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
  const mine = ++req; // a slower GET started before this save must not show the old state afterwards
  try {
    const st = await api('PUT', '/lan', payload);
    if (mine === req) render(st);
    toast(st.restart_needed ? 'Saved. Restart Hearth to apply the local network change.' : 'Local network settings saved.',
      'success');
  } catch (err) {
    showError(err, form);
  }
}

export function initLan() {
  $('#lan-form').addEventListener('submit', save);
}
