// Inbox (ticket list with filters and live updates) and the open ticket view.
import { api, qs } from './api.js';
import { state } from './state.js';
import { $, $$, h, sameId, debounce, timeEl, toast, showError, clearFieldErrors, announce, initials, confirmDialog } from './dom.js';
import { badgeEl, tickBadges, compareUrgency, summarize, renderStrip, targetName, span } from './sla.js';
import { initCannedPicker, closePicker } from './canned-picker.js';
import { initTicketTools, renderTags, resetTagInput, tagBadges, loadTagVocabulary, mergedHere } from './ticket-tools.js';
import { getDraft, setDraft, dropDraft, startDrafts, clearDrafts } from './drafts.js';

const STATUS = { bot: 'AI handling', open: 'Open', pending: 'Pending', resolved: 'Resolved', closed: 'Closed' };
const DRAFT_MARK = /AI draft:\r?\n/; // a hand-over note's body: "Handed over by the AI: …\n\nAI draft:\n<draft>"
const ROLE_NAME = { customer: 'Customer', agent: 'Agent', ai: 'AI assistant', system: 'System' };
const FILTERS_KEY = 'hearth.filters';
const SEEN_KEY = 'hearth.seen';
const SORT_KEY = 'hearth.sort';
// Ticket fields that move an SLA clock: a change means the row's SLA summary must be fetched again.
const SLA_FIELDS = ['status', 'priority', 'first_response_at', 'waiting_since', 'resolved_at'];

const list = { items: [], total: 0, req: 0, loaded: false };
// The open ticket. `id` is a string (from the URL); `wireId` keeps the server's own type.
const open = { id: null, wireId: null, ticket: null, msgIds: new Set(), pending: [], req: 0 };
const viewersByTicket = new Map(); // ticket id -> [{id, name}]
const agentsTyping = new Map(); // user id -> {name, timer}
const typing = { on: false, ticketId: null, timer: null };
let customerTypingTimer = null;
let sending = false;
const suggestion = { req: 0, busy: false };
let seen = readJSON(SEEN_KEY, {});
let sortMode = 'activity'; // 'activity' (the server's order) or 'urgent'
const slaRefresh = new Map(); // ticket id -> {timer, req}
let stripTimer = null;

function readJSON(key, fallback) {
  try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch { return fallback; }
}
function writeJSON(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* storage full or blocked */ }
}

function emit(event, data) {
  const s = state.socket;
  if (!s || !s.connected) return; // re-sent from rejoin() after (re)connect
  s.timeout(5000).emit(event, data, (err, res) => {
    if (!err && res && res.ok === false) console.warn(`${event} refused`, res.error);
  });
}

const customerName = (t) => (t.customer && (t.customer.name || t.customer.email)) || 'Visitor';
const activity = (t) => Date.parse(t.last_message_at || t.updated_at || t.created_at) || 0;
const isMine = (t) => !!(t.assignee && state.user && sameId(t.assignee.id, state.user.id));

// ---------------------------------------------------------------- filters + list

function filters() {
  return {
    status: $('#f-status').value, assignee: $('#f-assignee').value,
    priority: $('#f-priority').value, q: $('#f-q').value.trim(), tag: $('#f-tag').value.trim().toLowerCase(),
  };
}

// `listed`: the server already found it for this search (full text reaches messages and notes the row lacks).
function matches(t, listed = false) {
  const f = filters();
  if (f.status && !f.status.split(',').includes(t.status)) return false;
  if (f.priority && t.priority !== f.priority) return false;
  if (f.assignee === 'me' && !isMine(t)) return false;
  if (f.assignee === 'unassigned' && t.assignee) return false;
  if (f.tag && !(t.tags || []).includes(f.tag.split(/\s+/).join('-'))) return false;
  if (f.q && !listed) {
    const hay = [`#${t.number}`, t.subject, t.last_message_preview, t.customer && t.customer.name,
      t.customer && t.customer.email].join(' ').toLowerCase();
    if (!f.q.toLowerCase().split(/\s+/).every((w) => hay.includes(w))) return false;
  }
  return true;
}

// Whether a person should act: tickets the AI is handling (and closed ones) do not wait for the team.
const needsPerson = (t) => t.status === 'open' || t.status === 'pending';

function isUnread(t) {
  if (sameId(t.id, open.id) || !t.waiting_since || !t.last_message_at || t.status === 'bot') return false;
  const s = seen[t.id];
  return !s || Date.parse(s) < Date.parse(t.last_message_at);
}

function markSeen(t) {
  if (!t) return;
  seen[t.id] = t.last_message_at || new Date().toISOString();
  const keys = Object.keys(seen);
  if (keys.length > 500) for (const k of keys.slice(0, keys.length - 500)) delete seen[k];
  writeJSON(SEEN_KEY, seen);
}

export async function loadList() {
  const req = ++list.req;
  const ul = $('#ticket-list');
  ul.setAttribute('aria-busy', 'true');
  try {
    const data = await api('GET', `/tickets${qs({ ...filters(), limit: 100 })}`);
    if (req !== list.req) return;
    list.items = data.items || [];
    list.total = typeof data.total === 'number' ? data.total : list.items.length;
    list.loaded = true;
    renderList();
  } catch (err) {
    if (req === list.req) showError(err);
  } finally {
    if (req === list.req) ul.removeAttribute('aria-busy');
  }
}

function sortUrgent() {
  if (sortMode === 'urgent') list.items.sort((a, b) => compareUrgency(a, b, activity));
}

// A press with the mouse (or a finger) ends in a click only if the element pressed stays in the page
// and under the pointer: replaced (a badge whose kind changed), moved, or shifted by a row inserted
// or moved above it, it loses the click. While a press lasts, the other rows are updated in place but
// no row is inserted, removed or moved and the pressed row is left as it is; all follows on release.
const press = { active: false, pending: false, row: null };

function holdWhilePressed(ul) {
  ul.addEventListener('pointerdown', (e) => {
    press.active = true;
    press.row = e.target.closest('li');
  });
  const release = () => {
    if (!press.active) return;
    press.active = false;
    press.row = null;
    // after the click this release belongs to has been dispatched
    if (press.pending) { press.pending = false; setTimeout(renderList, 0); }
  };
  document.addEventListener('pointerup', release, true);
  document.addEventListener('pointercancel', release, true);
}

// One <li> per ticket id, kept from render to render: a row is changed only where what it shows
// changed, so the rows a live change does not touch keep their nodes (focus, hover, a press).
const rows = new Map(); // ticket id (string) -> li
let emptyRow = null;

function renderList() {
  sortUrgent();
  const ul = $('#ticket-list');
  const focused = document.activeElement && document.activeElement.closest('[data-testid="ticket-row"]');
  const wanted = list.items.map((t) => {
    const fresh = rowEl(t);
    const li = rows.get(String(t.id));
    if (!li) { rows.set(String(t.id), fresh); return fresh; }
    if (li !== press.row && !li.isEqualNode(fresh)) patch(li, fresh); // the pressed row: on release
    return li;
  });
  const listed = new Set(wanted);
  for (const [id, li] of rows) if (!listed.has(li)) rows.delete(id);
  if (!wanted.length && list.loaded) {
    emptyRow ||= h('li.empty-row');
    // a new desk's empty inbox is not a search that found nothing
    emptyRow.textContent = Object.values(filters()).some(Boolean) ? 'No tickets match these filters.'
      : 'No conversations yet. When a customer writes in the chat, it appears here at once.';
    wanted.push(emptyRow);
  }
  if (press.active) press.pending = true;
  else placeRows(ul, wanted);
  const shown = list.items.length;
  $('#list-meta').textContent = !list.loaded ? 'Loading…'
    : list.total > shown ? `Showing ${shown} of ${list.total} tickets` : `${shown} ticket${shown === 1 ? '' : 's'}`;
  // a row moved in the page loses focus: give it back
  if (focused && focused.isConnected && !focused.contains(document.activeElement)) focused.querySelector('a').focus();
  const current = ul.querySelector('[aria-current="true"]');
  if (current) current.scrollIntoView({ block: 'nearest' });
}

// Put `wanted` into `ul` in that order, moving only the rows out of place (a ticket that moved up).
function placeRows(ul, wanted) {
  const keep = new Set(wanted);
  for (const el of [...ul.children]) if (!keep.has(el)) el.remove();
  wanted.forEach((el, i) => { if (ul.children[i] !== el) ul.insertBefore(el, ul.children[i] || null); });
}

// Make `el` show what `fresh` (a newly built copy) shows, keeping each child element whose tag and
// class are unchanged: the element being pressed stays in the page, so the press still clicks.
function patch(el, fresh) {
  for (const { name } of [...el.attributes]) if (!fresh.hasAttribute(name)) el.removeAttribute(name);
  for (const { name, value } of fresh.attributes) if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  const spare = [...el.childNodes];
  const next = [...fresh.childNodes].map((want) => {
    const i = spare.findIndex((old) => old.nodeName === want.nodeName && old.className === want.className);
    if (i < 0) return want;
    const [old] = spare.splice(i, 1);
    if (old.nodeType !== Node.ELEMENT_NODE) { if (old.nodeValue !== want.nodeValue) old.nodeValue = want.nodeValue; }
    else if (!old.isEqualNode(want)) patch(old, want);
    return old;
  });
  for (const old of spare) old.remove();
  next.forEach((node, i) => { if (el.childNodes[i] !== node) el.insertBefore(node, el.childNodes[i] || null); });
}

function badge(kind, text) { return h(`span.badge.badge-${kind}`, {}, text); }

function rowEl(t) {
  const unread = isUnread(t);
  const current = sameId(t.id, open.id);
  const viewers = (viewersByTicket.get(String(t.id)) || []).filter((a) => !sameId(a.id, state.user && state.user.id));
  const li = h('li.ticket-row', {
    class: [unread && 'unread', t.waiting_since && needsPerson(t) && 'waiting', current && 'current'].filter(Boolean).join(' ') || null,
    dataset: { testid: 'ticket-row', ticketId: t.id, status: t.status },
  });
  const link = h('a.row-link', { href: `#/tickets/${encodeURIComponent(t.id)}`, 'aria-current': current ? 'true' : null },
    h('div.row-top', {},
      unread ? h('span.unread-dot', { title: 'Unread' }, h('span.sr-only', {}, 'Unread: ')) : null,
      h('span.row-num', {}, `#${t.number}`),
      h('span.row-subject', {}, t.subject || '(no subject)'),
      timeEl(t.last_message_at || t.updated_at || t.created_at)),
    h('div.row-preview', { dir: 'auto' }, t.last_message_preview || ''),
    h('div.row-meta', {},
      h('span.row-customer', {}, customerName(t)),
      badge(`status-${t.status}`, STATUS[t.status] || t.status),
      t.priority && t.priority !== 'normal' ? badge(`prio-${t.priority}`, t.priority) : null,
      t.waiting_since && needsPerson(t) ? badge('waiting', 'waiting') : null,
      ...tagBadges(t),
      badgeEl(t.sla),
      h('span.row-assignee', { class: t.assignee ? null : 'muted' }, t.assignee ? t.assignee.name : 'Unassigned'),
      viewers.length ? h('span.row-viewers', { title: `Viewing: ${viewers.map((a) => a.name).join(', ')}` },
        `viewing: ${viewers.map((a) => initials(a.name)).join(' ')}`) : null));
  li.append(link);
  return li;
}

// Insert or update a ticket in the list without reloading.
function upsert(t, top = false) {
  const i = list.items.findIndex((x) => sameId(x.id, t.id));
  // Socket events carry the plain Ticket: keep the SLA summary we already have.
  if (!('sla' in t) && i >= 0) t = { ...t, sla: list.items[i].sla };
  const keep = matches(t, i >= 0) || sameId(t.id, open.id);
  if (i >= 0) {
    if (!keep) { list.items.splice(i, 1); list.total -= 1; }
    else if (top || activity(t) > activity(list.items[i])) { list.items.splice(i, 1); list.items.unshift(t); }
    else list.items[i] = t;
  } else if (keep) {
    list.items.unshift(t);
    list.total += 1;
  }
  renderList();
}

// ---------------------------------------------------------------- socket events

// A new ticket arrives with the customer's message that opened it (`first_message`, which gets no
// `message` push of its own); its row shows that message's preview already, and no one has it open.
export function onTicketCreated({ first_message: _first, ...t }) {
  upsert(t, true);
  scheduleTicketRefresh(t.id);
  if (matches(t)) announce(`New ticket #${t.number}: ${t.subject || ''}`);
}

export function onTicketUpdated(t) {
  const before = list.items.find((x) => sameId(x.id, t.id));
  upsert(t);
  const isOpen = sameId(t.id, open.id);
  if (isOpen && open.ticket) {
    open.ticket = { ...open.ticket, ...t, messages: undefined, sla: open.ticket.sla };
    renderHead();
  }
  // Fetch the detail again (it carries the SLA) for the open ticket, and for listed rows whose clocks moved.
  const inList = list.items.some((x) => sameId(x.id, t.id));
  if (isOpen || (inList && (!before || !('sla' in before) || SLA_FIELDS.some((k) => before[k] !== t[k])))) {
    scheduleTicketRefresh(t.id);
  }
}

// A merge moved the source's messages into the target: follow the conversation there.
export function onTicketMerged(ev) {
  upsert(ev.source);
  upsert(ev.target);
  if (sameId(open.id, ev.source_id)) {
    if (!mergedHere(ev.source_id)) { // a merge made here was announced by its answer
      toast(`#${ev.source.number} was merged into #${ev.target.number}.`, 'info', { testid: 'merge-toast' });
    }
    location.hash = `#/tickets/${encodeURIComponent(ev.target_id)}`;
  } else if (sameId(open.id, ev.target_id)) {
    loadTicket(open.id, true);
  }
}

// Debounced GET /tickets/{id}: refreshes the row (listing the ticket if it matches the filters) with
// its SLA summary and, for the open ticket, the SLA strip.
function scheduleTicketRefresh(id, delay = 600) {
  const key = String(id);
  const entry = slaRefresh.get(key) || { timer: null, req: 0 };
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => refreshTicket(key, entry), delay);
  slaRefresh.set(key, entry);
}

async function refreshTicket(id, entry) {
  const req = ++entry.req;
  const openReq = open.req;
  let t;
  try {
    t = await api('GET', `/tickets/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err.status !== 404) console.warn('ticket refresh failed', err);
    return;
  }
  if (req !== entry.req || !state.user) return;
  const { messages, sla, ...fields } = t;
  const row = list.items.find((x) => sameId(x.id, id));
  // upsert keeps a ticket the list did not hold only if it matches the filters (or is open)
  upsert({ ...(row || {}), ...fields, sla: summarize(sla && sla.targets, fields) });
  if (sameId(open.id, id) && open.ticket && openReq === open.req) {
    open.ticket = { ...open.ticket, ...fields, sla };
    renderHead();
    for (const m of messages || []) appendMessage(m);
  }
}

// `sla_alert`: a warning or breach that just fired. Shows a toast and updates the row at once.
export function onSlaAlert(ev) {
  if (!ev) return;
  const breach = ev.kind === 'breach';
  const t = ev.ticket || list.items.find((x) => sameId(x.id, ev.ticket_id));
  const num = t && t.number !== undefined ? `#${t.number}` : `ticket ${ev.ticket_id}`;
  const what = targetName(ev.target).toLowerCase();
  const left = Date.parse(ev.due_at) - Date.now();
  const text = breach ? `SLA breached: ${num} ${what}`
    : `SLA warning: ${num} ${what} due ${left > 0 ? `in ${span(Math.ceil(left / 60000) * 60000)}` : 'now'}`;
  const link = h('a.toast-link', { href: `#/tickets/${encodeURIComponent(ev.ticket_id)}` }, 'Open');
  toast([text, ' · ', link], breach ? 'error' : 'warning', { testid: 'sla-toast', ms: breach ? 15000 : 10000 });
  const row = list.items.find((x) => sameId(x.id, ev.ticket_id));
  if (row || (t && matches(t))) {
    const old = (row && row.sla) || { next_due_at: null, next_target: null, paused: false, state: 'running' };
    const rank = { met: 0, running: 1, warning: 2, breached: 3 };
    const stateNow = breach ? 'breached' : (rank[old.state] ?? 0) >= 2 ? old.state : 'warning';
    const sla = { ...old, state: stateNow };
    if (breach) {
      if (!old.overdue_since || Date.parse(ev.due_at) < Date.parse(old.overdue_since)) sla.overdue_since = ev.due_at;
      if (old.next_target === ev.target) { sla.next_due_at = null; sla.next_target = null; } // no longer running
    } else if (!old.next_due_at || Date.parse(ev.due_at) < Date.parse(old.next_due_at)) {
      Object.assign(sla, { next_due_at: ev.due_at, next_target: ev.target });
    }
    upsert({ ...(row || {}), ...(ev.ticket || {}), sla });
  }
  scheduleTicketRefresh(ev.ticket_id, 1500); // then the server's exact state (a breach may also raise the priority)
}

// What a message moves on its ticket (last message, preview, waiting time) is not pushed again as a
// ticket_updated: the row takes it from the message, and the SLA clocks are read again when the wait
// starts or ends.
export function onMessage(m) {
  const t = list.items.find((x) => sameId(x.id, m.ticket_id));
  if (t) {
    const next = { ...t, last_message_at: m.created_at || t.last_message_at };
    if (!m.private && m.author_role !== 'system') next.last_message_preview = m.body;
    if (m.author_role === 'customer' && !next.waiting_since) next.waiting_since = m.created_at;
    if ((m.author_role === 'agent' || m.author_role === 'ai') && !m.private) next.waiting_since = null;
    upsert(next, true);
    if (Boolean(next.waiting_since) !== Boolean(t.waiting_since)) scheduleTicketRefresh(t.id);
  } else if (m.author_role === 'customer' && (list.total > list.items.length || filters().q)) {
    // A follow-up changes nothing the status, assignee, priority or tag filters look at, so a ticket
    // the list lacks can only belong in it when it lies beyond the loaded rows or its new text now
    // matches the search: read it then, and list it if it matches.
    scheduleTicketRefresh(m.ticket_id);
  }
  if (!sameId(m.ticket_id, open.id)) return;
  if (!open.ticket) { open.pending.push(m); return; }
  if (appendMessage(m)) {
    open.ticket.last_message_at = m.created_at;
    markSeen(open.ticket);
    const mine = m.author && state.user && sameId(m.author.id, state.user.id);
    if (m.author_role === 'customer') setCustomerTyping(false);
    const late = m.private && m.metadata && m.metadata.not_sent;
    const kind = late ? 'AI answer not sent, a person answered first' : (m.private ? 'Internal note' : 'New message');
    if (!mine) announce(`${kind} from ${authorName(m)}: ${String(m.body).slice(0, 200)}`);
  }
}

export function onTyping(ev) {
  if (!ev || !sameId(ev.ticket_id, open.id)) return;
  if (ev.author_role === 'customer') { setCustomerTyping(!!ev.typing); return; }
  const u = ev.user;
  if (!u || (state.user && sameId(u.id, state.user.id))) return;
  const prev = agentsTyping.get(String(u.id));
  if (prev) clearTimeout(prev.timer);
  if (ev.typing) {
    agentsTyping.set(String(u.id), { name: u.name, timer: setTimeout(() => { agentsTyping.delete(String(u.id)); renderAgentTyping(); }, 8000) });
  } else agentsTyping.delete(String(u.id));
  renderAgentTyping();
}

export function onViewers(ev) {
  if (!ev) return;
  viewersByTicket.set(String(ev.ticket_id), ev.agents || []);
  if (sameId(ev.ticket_id, open.id)) renderViewers();
  const row = list.items.find((x) => sameId(x.id, ev.ticket_id));
  if (row) renderList();
}

function setCustomerTyping(on) {
  clearTimeout(customerTypingTimer);
  $('#typing-indicator').hidden = !on;
  // Safety net in case the "stopped typing" event never arrives.
  if (on) customerTypingTimer = setTimeout(() => { $('#typing-indicator').hidden = true; }, 10000);
}

function renderAgentTyping() {
  const names = [...agentsTyping.values()].map((a) => a.name);
  $('#agent-typing').textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
}

function renderViewers() {
  const me = state.user && state.user.id;
  const others = (viewersByTicket.get(String(open.id)) || []).filter((a) => !sameId(a.id, me));
  const box = $('#viewers');
  if (!others.length) { box.replaceChildren(); return; }
  box.replaceChildren(h('span.muted', {}, 'Also viewing: '),
    ...others.map((a) => h('span.chip', { title: a.name }, h('span.avatar', { 'aria-hidden': 'true' }, initials(a.name)), a.name)));
}

// After a (re)connect: tell the server again which ticket we are looking at.
export function rejoin() {
  if (open.id) emit('view_ticket', { ticket_id: open.wireId });
}

// After a reconnect: fetch what we may have missed.
export function resync() {
  if (list.loaded) loadList();
  if (open.id && open.ticket) loadTicket(open.id, true);
}

// ---------------------------------------------------------------- ticket view

// `fresh`: coming from another page, so reload the list in case filters drifted.
export function showInbox(ticketId, fresh = false) {
  if (!list.loaded || fresh) loadList();
  if (ticketId === null || ticketId === undefined) closeTicket();
  else openTicket(String(ticketId));
}

export function leaveInbox() { closeTicket(); }

function openTicket(id) {
  if (sameId(open.id, id)) return;
  closeTicket();
  const known = list.items.find((x) => sameId(x.id, id));
  Object.assign(open, { id, wireId: known ? known.id : (/^\d+$/.test(id) ? Number(id) : id), ticket: null, msgIds: new Set(), pending: [] });
  $('#view-inbox').classList.add('has-ticket');
  $('#ticket-empty').hidden = true;
  $('#ticket').hidden = false;
  $('#t-title').textContent = known ? `#${known.number} ${known.subject || ''}` : 'Loading…';
  $('#t-customer').textContent = '';
  $('#t-bot-banner').hidden = true;
  renderMerged(null);
  renderSlaStrip();
  $('#conversation').replaceChildren(h('p.muted.center', {}, 'Loading conversation…'));
  setCustomerTyping(false);
  renderViewers();
  renderAgentTyping();
  restoreDraft();
  clearFieldErrors($('#composer'));
  resetTagInput();
  emit('view_ticket', { ticket_id: open.wireId });
  renderList();
  loadTicket(id, false);
}

async function loadTicket(id, keepScroll) {
  const req = ++open.req;
  try {
    const t = await api('GET', `/tickets/${encodeURIComponent(id)}`);
    if (req !== open.req || !sameId(open.id, id)) return;
    open.ticket = t;
    open.wireId = t.id;
    const row = list.items.find((x) => sameId(x.id, t.id));
    if (row) row.sla = summarize(t.sla && t.sla.targets, t);
    renderHead();
    renderConversation(t.messages || [], keepScroll);
    for (const m of open.pending.splice(0)) appendMessage(m);
    markSeen(t);
    renderList();
  } catch (err) {
    if (req !== open.req) return;
    showError(err);
    if (!open.ticket) {
      $('#t-title').textContent = err.status === 404 ? 'Ticket not found' : 'Could not load this ticket';
      $('#conversation').replaceChildren();
    }
  }
}

function closeTicket() {
  if (open.id === null) return;
  saveDraft();
  closePicker();
  stopTyping();
  emit('leave_ticket', { ticket_id: open.wireId });
  Object.assign(open, { id: null, wireId: null, ticket: null, msgIds: new Set(), pending: [] });
  open.req += 1;
  clearSuggestion();
  for (const a of agentsTyping.values()) clearTimeout(a.timer);
  agentsTyping.clear();
  setCustomerTyping(false);
  renderSlaStrip();
  $('#view-inbox').classList.remove('has-ticket');
  $('#ticket').hidden = true;
  $('#ticket-empty').hidden = false;
  renderList();
}

function renderHead() {
  const t = open.ticket;
  $('#t-title').textContent = `#${t.number} ${t.subject || '(no subject)'}`;
  const c = t.customer || {};
  $('#t-customer').replaceChildren(h('span', {},
    h('strong', {}, c.name || 'Visitor'),
    c.email ? h('span', {}, ' · ', h('a', { href: `mailto:${c.email}` }, c.email)) : null,
    ` · via ${t.channel || 'widget'} · opened `, timeEl(t.created_at),
    t.waiting_since ? h('span.waiting-text', {}, ' · waiting since ', timeEl(t.waiting_since)) : null));
  $('#t-status').value = t.status;
  $('#t-bot-banner').hidden = t.status !== 'bot';
  renderCsat(t);
  $('#t-priority').value = t.priority;
  renderTags(t);
  renderAssignees();
  renderSlaStrip();
  renderMerged(t.merged_into);
}

// A ticket merged into another is kept as it was, read-only: its conversation (and the customer's
// chat) continues in the other ticket, which the banner opens. `into`: {id, number} or null.
function renderMerged(into) {
  const banner = $('#t-merged-banner');
  banner.hidden = !into;
  $('#ticket').classList.toggle('is-merged', !!into);
  if (into) {
    banner.replaceChildren(h('strong', {}, `Merged into #${into.number}`), ' — ',
      h('a', { href: `#/tickets/${encodeURIComponent(into.id)}`, dataset: { testid: 'merged-open' } }, 'open it'),
      h('span.muted', {}, ` The conversation continues in #${into.number}; this ticket stays as it was.`));
  }
  for (const sel of ['#t-status', '#t-priority', '#t-assignee', '#reply-private', '#reply-send', '#suggest-reply']) {
    $(sel).disabled = !!into || (sel === '#suggest-reply' && suggestion.busy);
  }
  const box = $('#reply-box');
  box.readOnly = !!into;
  if (into) box.placeholder = `This ticket was merged into #${into.number}: reply there.`;
  else setPrivate($('#reply-private').checked);
}

// Actions on a merged-away ticket say where to go instead of trying (the server refuses them).
function refuseMergedAway() {
  const into = open.ticket && open.ticket.merged_into;
  if (!into) return false;
  toast(`#${open.ticket.number} was merged into #${into.number}: open #${into.number} to carry on there.`, 'info');
  return true;
}

// Who resolved the ticket and the customer's rating (arrives live with ticket_updated).
function renderCsat(t) {
  const el = $('#t-csat');
  const by = t.resolved_by === 'ai' ? 'Resolved by the AI (the customer said it answered their question)'
    : t.resolved_by === 'agent' ? 'Resolved by an agent' : '';
  const rating = t.csat && typeof t.csat.score === 'number' ? t.csat : null;
  el.hidden = !by && !rating;
  el.dataset.score = rating ? String(rating.score) : '';
  el.replaceChildren(
    by ? h('span.muted', {}, by) : null,
    by && rating ? h('span.muted', {}, ' · ') : null,
    rating ? h('span', {}, h('strong', {}, `Customer rating: ${rating.score}/5`),
      h('span.csat-stars', { 'aria-hidden': 'true' }, ` ${'★'.repeat(rating.score)}${'☆'.repeat(5 - rating.score)}`),
      rating.comment ? h('q.csat-comment', {}, rating.comment) : null) : null);
}

// The open ticket's SLA targets under the header, ticking every second while shown.
function renderSlaStrip() {
  const box = $('#t-sla');
  const shown = renderStrip(box, open.ticket && open.ticket.sla, open.ticket);
  if (shown && !stripTimer) {
    stripTimer = setInterval(() => {
      if (document.hidden || $('#ticket').hidden) return;
      if (!renderStrip($('#t-sla'), open.ticket && open.ticket.sla, open.ticket)) { clearInterval(stripTimer); stripTimer = null; }
    }, 1000);
  } else if (!shown && stripTimer) {
    clearInterval(stripTimer);
    stripTimer = null;
  }
}

export function renderAssignees() {
  const t = open.ticket;
  if (!t) return;
  const sel = $('#t-assignee');
  const me = state.user;
  const users = state.users.filter((u) => u.active !== false).sort((a, b) => String(a.name).localeCompare(b.name));
  if (t.assignee && !users.some((u) => sameId(u.id, t.assignee.id))) users.push(t.assignee);
  sel.replaceChildren(h('option', { value: '' }, 'Unassigned'),
    ...users.map((u) => h('option', { value: String(u.id) }, me && sameId(u.id, me.id) ? `${u.name} (me)` : u.name)));
  sel.value = t.assignee ? String(t.assignee.id) : '';
  $('#t-assign-me').disabled = isMine(t) || !!t.merged_into;
}

async function patchTicket(changes, done) {
  const t = open.ticket;
  if (!t) { toast('Open a ticket first.', 'info'); return; }
  if (refuseMergedAway()) { renderHead(); return; }
  try {
    const updated = await api('PATCH', `/tickets/${encodeURIComponent(t.id)}`, changes);
    onTicketUpdated(updated);
    if (done) announce(done);
  } catch (err) {
    showError(err);
    if (open.ticket) renderHead(); // put the selects back to what the server has
  }
}

export const hasOpenTicket = () => !!open.ticket;
export const currentTickets = () => list.items;
export function resolveOpen() { return patchTicket({ status: 'resolved' }, 'Ticket resolved'); }
export function assignToMe() { return patchTicket({ assignee_id: state.user.id }, 'Assigned to you'); }

export function moveSelection(delta) {
  const items = list.items;
  if (!items.length) return;
  const i = items.findIndex((t) => sameId(t.id, open.id));
  const next = i < 0 ? (delta > 0 ? 0 : items.length - 1) : i + delta;
  if (next < 0 || next >= items.length) return;
  location.hash = `#/tickets/${encodeURIComponent(items[next].id)}`;
}

// ---------------------------------------------------------------- conversation

function authorName(m) {
  if (m.author && m.author.name) return m.author.name;
  if (m.author_role === 'customer' && open.ticket) return customerName(open.ticket);
  return ROLE_NAME[m.author_role] || m.author_role;
}

function formatLatency(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// "ollama · llama3.2:3b · confidence 0.82 · 1.4 s" from an AI message's metadata (or a suggestion).
function aiFacts(meta) {
  const parts = [];
  if (meta.provider) parts.push(String(meta.provider));
  if (meta.model && meta.model !== meta.provider) parts.push(String(meta.model));
  if (typeof meta.confidence === 'number') parts.push(`confidence ${meta.confidence.toFixed(2)}`);
  if (typeof meta.latency_ms === 'number') parts.push(formatLatency(meta.latency_ms));
  if (meta.cached) parts.push('cached');
  return parts.join(' · ');
}

const CITATION = /\[\d{1,2}\]/;  // an AI text's reference to its sources, as [1]

// "Sources: Title A · Title B" (each title once; the retrieval score as a tooltip), or null. When the
// text cites its sources as [1], [2]…, they are numbered in that order: "Sources: [1] A · [2] B".
function sourcesEl(sources, testid, text) {
  if (!Array.isArray(sources)) return null;
  const numbered = CITATION.test(text || '');
  const shown = new Set();
  const items = [];
  sources.forEach((src, i) => {
    const title = src && typeof src.title === 'string' ? src.title.trim() : '';
    if (!title || (!numbered && shown.has(title))) return;
    shown.add(title);
    const score = typeof src.score === 'number' ? `relevance ${src.score.toFixed(2)}` : null;
    if (items.length) items.push(' · ');
    items.push(h('span.source', { title: score }, numbered ? `[${i + 1}] ${title}` : title));
  });
  return items.length ? h('div.msg-sources', { dataset: { testid } }, 'Sources: ', ...items) : null;
}

// An AI text for the reply box: a person's reply carries no sources, so its [n] markers go.
function withoutCitations(text) {
  return text.replace(/[ \t]?\[\d{1,2}\]/g, '');
}

// A hand-over note: the reason, then (when the AI had one) its draft after "AI draft:\n".
function splitDraft(body) {
  const text = String(body || '');
  const match = DRAFT_MARK.exec(text);
  if (!match) return { intro: text.trim(), draft: '' };
  return { intro: text.slice(0, match.index).trim(), draft: text.slice(match.index + match[0].length).trim() };
}

function messageEl(m) {
  const role = m.author_role;
  const priv = !!m.private;
  const meta = m.metadata || {};
  const props = { dataset: { testid: 'message', authorRole: role, private: String(priv), messageId: m.id } };
  if (role === 'system') {
    // a notice the customer was shown (e.g. the AI handing over): small and centred; a merge's
    // note leads to the other ticket
    const other = meta.merged_into || meta.merged_from;
    const body = other && other.id !== undefined
      ? h('a', { href: `#/tickets/${encodeURIComponent(other.id)}`, dataset: { testid: 'merge-note-link' } }, m.body) : m.body;
    return h('div.msg.msg-system', { ...props, role: 'note' },
      h('span.msg-body', {}, body), ' ', h('span.msg-system-meta', {}, h('span.sr-only', {}, 'System notice, '), timeEl(m.created_at)));
  }
  if (role === 'ai' && priv) return aiNoteEl(m, props);
  const facts = role === 'ai' ? aiFacts(meta) : '';
  return h(`div.msg.msg-${role}`, { ...props, class: priv ? 'msg-private' : null },
    h('div.msg-meta', {},
      h('span.msg-author', {}, authorName(m)),
      role === 'ai' ? h('span.badge.badge-ai', {}, 'AI') : null,
      priv ? h('span.badge.badge-private', {}, 'Internal note') : null,
      timeEl(m.created_at)),
    h('div.msg-body', { dir: 'auto' }, m.body),  // Arabic or Hebrew text reads right to left
    facts ? h('div.msg-ai-facts', { dataset: { testid: 'ai-facts' } }, facts) : null,
    role === 'ai' ? sourcesEl(meta.sources, 'message-sources', m.body) : null,
    role === 'ai' ? cloudSentEl(meta.cloud_sent) : null);
}

// Exactly what left the machine when the cloud model was asked (personal data already redacted).
function cloudSentEl(sent) {
  if (!sent || !Array.isArray(sent.messages)) return null;
  const counts = Object.entries(sent.redacted || {}).map(([kind, n]) => `${n} ${kind.toLowerCase()}`).join(', ');
  return h('details.msg-cloud-sent', { dataset: { testid: 'cloud-sent' } },
    h('summary', {}, `Sent to the cloud (${sent.model || 'cloud model'}) — redacted: ${counts || 'nothing'}`),
    ...sent.messages.map((msg) => h('div.cloud-sent-part', {},
      h('strong', {}, `${msg.role}: `), h('pre.cloud-sent-text', {}, String(msg.content || '')))),
    restoredEl(sent.restored));
}

// The placeholders of the cloud's answer that Hearth turned back into the real values.
function restoredEl(restored) {
  const put = Object.entries(restored || {}).map(([kind, n]) => `${n} ${kind.toLowerCase()}`).join(', ');
  return put ? h('p.muted', { dataset: { testid: 'cloud-restored' } },
    `Put back into the answer on this computer: ${put}.`) : null;
}

// An AI note that never reached the customer says so in words, not only in colour.
const UNSENT = {
  late: 'Not sent — a person answered first, so the customer did not get this answer.',
  draft: 'AI draft — not sent to the customer.',
};

// The AI's private note: a hand-over (with its draft ready to use), or an answer the AI finished after a
// person had replied (metadata.not_sent), kept for the agents instead of being sent.
function aiNoteEl(m, props) {
  const meta = m.metadata || {};
  const late = !!meta.not_sent;
  // a late answer is all draft; a hand-over note has its draft (if any) after "AI draft:\n"
  const { intro, draft } = late ? { intro: '', draft: String(m.body || '').trim() } : splitDraft(m.body);
  const unsent = late ? 'late' : (draft ? 'draft' : null);
  const facts = aiFacts(meta);
  const use = draft ? h('button.btn.small.primary', { type: 'button', dataset: { testid: 'use-draft' } }, 'Use draft') : null;
  if (use) use.addEventListener('click', () => useText(withoutCitations(draft), late ? 'the unsent AI answer' : 'the AI draft'));
  return h('div.msg.msg-ai.msg-private.msg-ai-note', { ...props, class: [draft && 'has-draft', late && 'is-late'].filter(Boolean).join(' ') || null },
    h('div.msg-meta', {},
      h('span.badge.badge-draft', { class: late ? 'badge-late' : null }, late ? 'Late AI answer' : 'AI hand-over'),
      h('span.msg-author', {}, authorName(m)),
      unsent ? null : h('span.muted', {}, 'internal · the customer does not see this'),
      timeEl(m.created_at)),
    unsent ? h('p.msg-unsent', { class: `msg-unsent-${unsent}`, dataset: { testid: 'ai-unsent', unsent } }, UNSENT[unsent]) : null,
    intro ? h('div.msg-body.msg-note-intro', {}, intro) : null,
    draft ? h('blockquote.msg-draft', { dataset: { testid: 'ai-draft' } }, draft) : null,
    facts ? h('div.msg-ai-facts', { dataset: { testid: 'ai-facts' } }, facts) : null,
    sourcesEl(meta.sources, 'message-sources', draft),
    use ? h('div.msg-actions', {}, use) : null);
}

// The conversation scrolls by itself on wide screens; on phones the whole ticket does.
const scroller = () => {
  const conv = $('#conversation');
  return getComputedStyle(conv).overflowY === 'visible' ? $('#ticket') : conv;
};

function renderConversation(messages, keepScroll) {
  const conv = $('#conversation');
  const box = scroller();
  const top = box.scrollTop;
  open.msgIds = new Set(messages.map((m) => String(m.id)));
  conv.replaceChildren(...messages.map(messageEl));
  if (!messages.length) conv.append(h('p.muted.center.conv-empty', {}, 'No messages yet.'));
  box.scrollTop = keepScroll ? top : box.scrollHeight;
}

function appendMessage(m, forceScroll = false) {
  if (open.msgIds.has(String(m.id))) return false;
  open.msgIds.add(String(m.id));
  const conv = $('#conversation');
  const box = scroller();
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  const empty = conv.querySelector('.conv-empty');
  if (empty) empty.remove();
  conv.append(messageEl(m));
  if (nearBottom || forceScroll) box.scrollTop = box.scrollHeight;
  return true;
}

// ---------------------------------------------------------------- composer

function saveDraft() {
  if (!open.id) return;
  const body = $('#reply-box').value;
  const priv = $('#reply-private').checked;
  setDraft(open.id, body, priv);
}

function restoreDraft() {
  const d = getDraft(open.id) || { body: '', private: false };
  $('#reply-box').value = d.body;
  setPrivate(d.private);
  autosize();
}

function setPrivate(on) {
  $('#reply-private').checked = on;
  $('#composer').classList.toggle('is-private', on);
  $('.composer-mode').textContent = on ? 'Internal note — only your team sees this' : 'Reply to customer';
  $('#reply-box').placeholder = on
    ? 'Write an internal note for your team… (Enter to save, Shift+Enter for a new line)'
    : 'Reply to the customer… (Enter to send, Shift+Enter for a new line)';
  $('#reply-send').textContent = on ? 'Add note' : 'Send';
  if (on) stopTyping();
}

export function focusComposer(priv) {
  if (!open.id) { toast('Open a ticket first.', 'info'); return; }
  if (refuseMergedAway()) return;
  setPrivate(priv);
  $('#reply-box').focus();
}

function autosize() {
  const box = $('#reply-box');
  box.style.height = 'auto';
  box.style.height = `${Math.min(box.scrollHeight + 2, 260)}px`;
}

function onReplyInput() {
  autosize();
  saveDraft();
  if ($('#composer [data-error-for="body"]').textContent) clearFieldErrors($('#composer'));
  const box = $('#reply-box');
  if (!open.id || $('#reply-private').checked || !box.value.trim()) { stopTyping(); return; }
  if (!typing.on) {
    typing.on = true;
    typing.ticketId = open.wireId;
    emit('typing', { ticket_id: typing.ticketId, typing: true });
  }
  clearTimeout(typing.timer);
  typing.timer = setTimeout(stopTyping, 3000);
}

function stopTyping() {
  clearTimeout(typing.timer);
  if (!typing.on) return;
  typing.on = false;
  emit('typing', { ticket_id: typing.ticketId, typing: false });
}

// Put a suggested or drafted text into the reply box (as a reply to the customer, not sent).
// Asks first when it would replace something else the agent has written.
async function useText(text, what) {
  if (!open.ticket) { toast('Open a ticket first.', 'info'); return false; }
  if (refuseMergedAway()) return false;
  const box = $('#reply-box');
  const id = open.id;
  if (box.value.trim() && box.value.trim() !== text.trim()
      && !(await confirmDialog(`Replace what you have written with ${what}?`, 'Replace'))) return false;
  if (!sameId(open.id, id)) return false;
  setPrivate(false);
  box.value = text;
  autosize();
  saveDraft();
  clearFieldErrors($('#composer'));
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  announce(`${what[0].toUpperCase()}${what.slice(1)} is in the reply box. Check it, then send.`);
  return true;
}

function setSuggestBusy(on) {
  suggestion.busy = on;
  const btn = $('#suggest-reply');
  btn.disabled = on || !!(open.ticket && open.ticket.merged_into);
  btn.classList.toggle('busy', on);
  btn.setAttribute('aria-busy', String(on));
  btn.querySelector('.suggest-label').textContent = on ? 'Suggesting…' : 'Suggest reply';
}

function clearSuggestion() {
  suggestion.req += 1;
  setSuggestBusy(false);
  const info = $('#suggest-info');
  info.hidden = true;
  info.replaceChildren();
}

function renderSuggestion(sug) {
  const info = $('#suggest-info');
  const conf = typeof sug.confidence === 'number' ? `confidence ${sug.confidence.toFixed(2)}` : null;
  const facts = [sug.provider, sug.model && sug.model !== sug.provider ? sug.model : null].filter(Boolean).join(' · ');
  const close = h('button.toast-close', { type: 'button', 'aria-label': 'Hide the suggestion details' }, '×');
  close.addEventListener('click', () => { info.hidden = true; });
  info.replaceChildren(
    h('div.suggest-line', {},
      h('span.badge.badge-ai', {}, 'Suggested'),
      conf ? h('span.suggest-conf', { class: sug.would_answer === false ? 'low' : null, dataset: { testid: 'suggest-confidence' } }, conf) : null,
      sug.would_answer === false ? h('span.suggest-warn', {}, 'below the threshold: check it carefully') : null,
      facts ? h('span.muted', {}, facts) : null,
      close),
    sourcesEl(sug.sources, 'suggest-sources', sug.body) || h('div.msg-sources', { dataset: { testid: 'suggest-sources' } }, 'No matching articles.'));
  info.hidden = false;
}

export async function suggestReply() {
  if (!open.ticket) { toast('Open a ticket first.', 'info'); return; }
  if (suggestion.busy || refuseMergedAway()) return;
  const id = open.id;
  const req = ++suggestion.req;
  setSuggestBusy(true);
  try {
    const sug = await api('POST', `/tickets/${encodeURIComponent(open.ticket.id)}/suggest`);
    if (req !== suggestion.req || !sameId(open.id, id)) return;
    setSuggestBusy(false);
    if (!sug || !String(sug.body || '').trim()) { toast('The AI has no suggestion for this ticket.', 'info'); return; }
    if (await useText(withoutCitations(String(sug.body)), 'the suggested reply')) renderSuggestion(sug);
  } catch (err) {
    if (req === suggestion.req) showError(err, $('#composer'));
  } finally {
    if (req === suggestion.req) setSuggestBusy(false);
  }
}

async function sendReply() {
  const box = $('#reply-box');
  const body = box.value;
  if (sending || !open.ticket || !body.trim() || refuseMergedAway()) return;
  const form = $('#composer');
  const priv = $('#reply-private').checked;
  const id = open.id;
  sending = true;
  box.readOnly = true;
  $('#reply-send').disabled = true;
  stopTyping();
  clearFieldErrors(form);
  try {
    const m = await api('POST', `/tickets/${encodeURIComponent(open.ticket.id)}/messages`, { body, private: priv });
    dropDraft(id);
    if (sameId(open.id, id)) {
      box.value = '';
      autosize();
      if (!priv) clearSuggestion();
      if (m && m.id !== undefined) appendMessage(m, true);
    }
  } catch (err) {
    showError(err, form); // the text stays in the box
  } finally {
    sending = false;
    const mergedAway = !!(open.ticket && open.ticket.merged_into);
    box.readOnly = mergedAway;
    $('#reply-send').disabled = mergedAway;
  }
}

// ---------------------------------------------------------------- wiring

export function initInbox() {
  holdWhilePressed($('#ticket-list'));
  const saved = readJSON(FILTERS_KEY, {});
  for (const k of ['status', 'assignee', 'priority']) {
    const sel = $(`#f-${k}`);
    if (saved[k] !== undefined && [...sel.options].some((o) => o.value === saved[k])) sel.value = saved[k];
  }
  const refilter = () => {
    const f = filters();
    writeJSON(FILTERS_KEY, { status: f.status, assignee: f.assignee, priority: f.priority });
    loadList();
  };
  for (const k of ['status', 'assignee', 'priority']) $(`#f-${k}`).addEventListener('change', refilter);
  $('#f-status').addEventListener('change', renderQuickFilters);
  const sortSel = $('#f-sort');
  const savedSort = readJSON(SORT_KEY, 'activity');
  sortMode = savedSort === 'urgent' ? 'urgent' : 'activity';
  sortSel.value = sortMode;
  sortSel.addEventListener('change', () => {
    sortMode = sortSel.value === 'urgent' ? 'urgent' : 'activity';
    writeJSON(SORT_KEY, sortMode);
    if (sortMode === 'activity') list.items.sort((a, b) => activity(b) - activity(a));
    renderList();
  });
  // Countdowns move on the client clock; re-sort only when the order really changes.
  setInterval(() => {
    tickBadges();
    if (sortMode !== 'urgent' || !list.items.length) return;
    const before = list.items.map((t) => t.id).join(',');
    sortUrgent();
    if (list.items.map((t) => t.id).join(',') !== before) renderList();
  }, 30000);
  renderQuickFilters();
  $('#f-q').addEventListener('input', debounce(refilter, 300));
  $('#f-tag').addEventListener('change', refilter);
  $('#filters').addEventListener('submit', (e) => { e.preventDefault(); refilter(); });

  $('#t-status').addEventListener('change', (e) => patchTicket({ status: e.target.value }, `Status: ${e.target.value}`));
  $('#t-priority').addEventListener('change', (e) => patchTicket({ priority: e.target.value }, `Priority: ${e.target.value}`));
  $('#t-assignee').addEventListener('change', (e) => {
    const u = state.users.find((x) => String(x.id) === e.target.value)
      || (open.ticket && open.ticket.assignee && String(open.ticket.assignee.id) === e.target.value ? open.ticket.assignee : null);
    patchTicket({ assignee_id: u ? u.id : null }, u ? `Assigned to ${u.name}` : 'Unassigned');
  });
  $('#t-assign-me').addEventListener('click', assignToMe);
  $('#t-take-over').addEventListener('click', () => patchTicket({ status: 'open' }, 'You took the conversation over from the AI'));
  $('#suggest-reply').addEventListener('click', suggestReply);
  for (const btn of $$('#filters [data-quick]')) {
    btn.addEventListener('click', () => {
      $('#f-status').value = btn.dataset.quick;
      renderQuickFilters();
      refilter();
    });
  }

  const box = $('#reply-box');
  initCannedPicker(box, $('#canned-picker'), () => (open.ticket ? open.ticket.id : null));
  initTicketTools({ current: () => open.ticket, updated: (t) => onTicketUpdated(t) });
  $('#composer').addEventListener('submit', (e) => { e.preventDefault(); sendReply(); });
  box.addEventListener('input', onReplyInput);
  box.addEventListener('blur', stopTyping);
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey) { e.preventDefault(); sendReply(); }
    else if (e.key === 'Escape') box.blur();
  });
  $('#reply-private').addEventListener('change', (e) => { setPrivate(e.target.checked); saveDraft(); });
  setPrivate(false);
}

// The quick filter chips mirror the status select.
function renderQuickFilters() {
  const value = $('#f-status').value;
  for (const btn of $$('#filters [data-quick]')) btn.setAttribute('aria-pressed', String(btn.dataset.quick === value));
}

// Called when a session starts: drafts survive a reload and an expired session, but only for the same user.
export function startInbox(userId) {
  startDrafts(userId);
  loadTagVocabulary();
}

// Forget the session's data on logout (keepDrafts when the session merely expired).
export function resetInbox(keepDrafts = false) {
  closeTicket(); // saves the reply being typed into drafts
  Object.assign(list, { items: [], total: 0, loaded: false });
  list.req += 1;
  if (!keepDrafts) clearDrafts();
  viewersByTicket.clear();
  for (const e of slaRefresh.values()) { clearTimeout(e.timer); e.req += 1; }
  slaRefresh.clear();
  rows.clear();
  $('#ticket-list').replaceChildren();
}
