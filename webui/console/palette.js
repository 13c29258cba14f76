// Ctrl/Cmd+K command palette and single-key shortcuts.
import { api, qs } from './api.js';
import { $, h, debounce } from './dom.js';

let commands = () => []; // [{label, hint, run}]
let tickets = () => []; // loaded tickets
let keys = {}; // shortcut actions
let results = [];
let active = 0;
let remote = []; // tickets found by the server for the current query
let remoteReq = 0;

// Subsequence fuzzy match; higher is better, -1 when it does not match.
export function fuzzyScore(query, text) {
  const q = query.toLowerCase().replace(/\s+/g, ' ').trim();
  const t = String(text).toLowerCase();
  if (!q) return 0;
  const at = t.indexOf(q);
  if (at >= 0) return 1000 - at - t.length / 100;
  let score = 0;
  let ti = 0;
  let prev = -2;
  for (const ch of q) {
    if (ch === ' ') continue;
    const found = t.indexOf(ch, ti);
    if (found < 0) return -1;
    score += found === prev + 1 ? 5 : 1; // reward consecutive letters
    if (found === 0 || /[\s#/-]/.test(t[found - 1])) score += 3; // and word starts
    prev = found;
    ti = found + 1;
  }
  return score - t.length / 100;
}

function ticketLabel(t) {
  return `#${t.number} ${t.subject || '(no subject)'}`;
}

function ticketItem(t) {
  const who = t.customer ? t.customer.name || t.customer.email || '' : '';
  return { label: ticketLabel(t), hint: `${who} · ${t.status}`, kind: 'ticket',
    search: `${ticketLabel(t)} ${who} ${t.last_message_preview || ''}`,
    run: () => { location.hash = `#/tickets/${encodeURIComponent(t.id)}`; } };
}

function compute() {
  const q = $('#palette-input').value.trim();
  const numberQuery = q.match(/^#?(\d+)$/);
  const cmds = commands().map((c) => ({ ...c, kind: 'command', search: c.label }));
  const seen = new Set();
  const ticketItems = [];
  for (const t of [...tickets(), ...remote]) {
    if (seen.has(String(t.id))) continue;
    seen.add(String(t.id));
    const item = ticketItem(t);
    if (numberQuery && String(t.number) === numberQuery[1]) item.boost = 5000;
    ticketItems.push(item);
  }
  const scored = [];
  for (const item of [...cmds, ...ticketItems]) {
    const s = q ? fuzzyScore(q, item.search) : (item.kind === 'command' ? 100 : 0);
    if (s >= 0 || item.boost) scored.push({ item, s: s + (item.boost || 0) });
  }
  scored.sort((a, b) => b.s - a.s);
  results = scored.slice(0, q ? 20 : 12).map((x) => x.item);
  active = 0;
  render();
}

function render() {
  const ul = $('#palette-list');
  ul.replaceChildren(...results.map((r, i) => {
    const li = h('li.palette-item', {
      id: `palette-opt-${i}`, role: 'option', 'aria-selected': i === active ? 'true' : 'false',
      dataset: { kind: r.kind },
    }, h('span.palette-kind', {}, r.kind === 'ticket' ? 'Ticket' : 'Go'), h('span.palette-label', {}, r.label),
    r.hint ? h('span.palette-hint', {}, r.hint) : null);
    li.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the input
    li.addEventListener('click', () => runItem(i));
    return li;
  }));
  if (!results.length) ul.append(h('li.palette-empty', {}, 'Nothing matches.'));
  const input = $('#palette-input');
  if (results.length) input.setAttribute('aria-activedescendant', `palette-opt-${active}`);
  else input.removeAttribute('aria-activedescendant');
  const el = document.getElementById(`palette-opt-${active}`);
  if (el) el.scrollIntoView({ block: 'nearest' });
}

function runItem(i) {
  const item = results[i];
  if (!item) return;
  closePalette();
  item.run();
}

const searchServer = debounce(async (q) => {
  const req = ++remoteReq;
  if (q.length < 2 && !/^\d+$/.test(q.replace('#', ''))) { remote = []; return; }
  try {
    const data = await api('GET', `/tickets${qs({ q: q.replace(/^#/, ''), limit: 10 })}`);
    if (req !== remoteReq || !$('#palette').open) return;
    remote = data.items || [];
    compute();
  } catch { /* the local list still works */ }
}, 250);

export function openPalette() {
  const dlg = $('#palette');
  if (dlg.open) return;
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  remote = [];
  $('#palette-input').value = '';
  compute();
  dlg.showModal();
  $('#palette-input').focus();
}

export function closePalette() {
  const dlg = $('#palette');
  if (dlg.open) dlg.close();
}

function paletteKeys(e) {
  if (e.key === 'ArrowDown' || (e.key === 'n' && e.ctrlKey)) {
    e.preventDefault(); active = Math.min(active + 1, results.length - 1); render();
  } else if (e.key === 'ArrowUp' || (e.key === 'p' && e.ctrlKey)) {
    e.preventDefault(); active = Math.max(active - 1, 0); render();
  } else if (e.key === 'Enter') {
    e.preventDefault(); runItem(active);
  }
}

// ---------------------------------------------------------------- shortcuts

function isTyping(el) {
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

let pendingG = 0;

function onKeydown(e) {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
    if (!keys.enabled()) return;
    e.preventDefault();
    if ($('#palette').open) closePalette(); else openPalette();
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || !keys.enabled()) return;
  if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
  const now = Date.now();
  if (pendingG && now - pendingG < 1500) {
    pendingG = 0;
    if (e.key === 'i') { e.preventDefault(); keys.goInbox(); return; }
    if (e.key === 'k') { e.preventDefault(); keys.goKb(); return; }
  }
  pendingG = 0;
  const actions = {
    g: () => { pendingG = now; },
    j: () => keys.move(1),
    k: () => keys.move(-1),
    r: () => keys.reply(),
    n: () => keys.note(),
    s: () => keys.suggest(),
    e: () => keys.resolve(),
    a: () => keys.assign(),
    '?': () => $('#help').showModal(),
  };
  const act = actions[e.key];
  if (act) { e.preventDefault(); act(); }
}

// The palette's key as this computer's keyboard names it: ⌘K on a Mac, Ctrl+K elsewhere (either works).
function labelPaletteKeys() {
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || '';
  const mac = /mac|iphone|ipad/i.test(platform);
  const btn = $('#palette-open');
  btn.textContent = mac ? '⌘K' : 'Ctrl+K';
  btn.title = `Command palette (${btn.textContent})`;
  btn.setAttribute('aria-label', `Open command palette (${mac ? 'Command+K' : 'Ctrl+K'})`);
  btn.setAttribute('aria-keyshortcuts', mac ? 'Meta+K' : 'Control+K');
  for (const key of document.querySelectorAll('[data-mod-key]')) key.textContent = mac ? '⌘' : 'Ctrl';
}

export function initPalette(opts) {
  labelPaletteKeys();
  commands = opts.commands;
  tickets = opts.tickets;
  keys = opts.keys;
  const input = $('#palette-input');
  input.addEventListener('input', () => { compute(); searchServer(input.value.trim()); });
  input.addEventListener('keydown', paletteKeys);
  // A click on the backdrop (the dialog element itself) closes it.
  for (const id of ['#palette', '#help']) {
    $(id).addEventListener('click', (e) => {
      const r = e.currentTarget.getBoundingClientRect();
      const outside = e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom;
      if (e.target === e.currentTarget && outside) e.currentTarget.close();
    });
  }
  document.addEventListener('keydown', onKeydown);
  $('#palette-open').addEventListener('click', openPalette);
}
