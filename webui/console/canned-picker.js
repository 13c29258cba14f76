// The "/" picker in the reply box: typing "/" at the start of a word lists the canned replies
// (filtered as you type); ArrowUp/Down choose, Enter or Tab inserts the reply rendered for the
// open ticket by the server, Escape closes. While it is open Enter never sends, even when nothing
// matches. A listbox driven by aria-activedescendant.
import { api, qs } from './api.js';
import { h, showError, announce } from './dom.js';

const TRIGGER = /(^|\s)\/([^\s/]*)$/; // "/word" right before the caret, at the start of a word

const picker = { open: false, items: [], shown: [], active: 0, start: 0, query: '', req: 0 };
let box = null;
let list = null;
let currentTicketId = () => null;

async function load() {
  const data = await api('GET', '/canned-replies');
  picker.items = (data && data.items) || [];
}

function filtered(query) {
  const q = query.toLowerCase();
  const starts = picker.items.filter((r) => r.shortcut.startsWith(q));
  const rest = picker.items.filter((r) => !r.shortcut.startsWith(q)
    && (r.shortcut.includes(q) || r.title.toLowerCase().includes(q)));
  return [...starts, ...rest];
}

function optionId(r) { return `canned-opt-${r.id}`; }

function render() {
  list.replaceChildren(...picker.shown.map((r, i) => h('li.canned-option', {
    id: optionId(r), role: 'option', 'aria-selected': String(i === picker.active),
    dataset: { testid: 'canned-option', shortcut: r.shortcut, id: r.id },
    onmousedown: (e) => { e.preventDefault(); picker.active = i; insert(); },
  }, h('span.canned-shortcut', {}, `/${r.shortcut}`), h('span.canned-title', {}, r.title),
  r.shared ? null : h('span.badge', {}, 'personal'),
  h('span.canned-preview.muted', {}, r.body.length > 90 ? `${r.body.slice(0, 89)}…` : r.body))));
  if (!picker.shown.length) {
    list.append(h('li.canned-empty.muted', { dataset: { testid: 'canned-empty' } },
      picker.items.length ? `No canned reply matches /${picker.query} (Escape closes this list)`
        : 'No canned replies yet: add some under Canned replies.'));
  }
  const active = picker.shown[picker.active];
  if (active) {
    box.setAttribute('aria-activedescendant', optionId(active));
    const el = document.getElementById(optionId(active));
    if (el) el.scrollIntoView({ block: 'nearest' });
  } else box.removeAttribute('aria-activedescendant');
}

function show(query, start) {
  const changed = query !== picker.query || !picker.open;
  Object.assign(picker, { open: true, query, start });
  picker.shown = filtered(query);
  if (changed) picker.active = 0;
  picker.active = Math.min(picker.active, Math.max(picker.shown.length - 1, 0));
  list.hidden = false;
  box.setAttribute('aria-expanded', 'true');
  render();
}

export function closePicker() {
  if (!picker.open) return;
  picker.open = false;
  picker.req += 1;
  list.hidden = true;
  list.replaceChildren();
  box.setAttribute('aria-expanded', 'false');
  box.removeAttribute('aria-activedescendant');
}

async function onInput() {
  if (box.selectionStart !== box.selectionEnd) { closePicker(); return; }
  const before = box.value.slice(0, box.selectionStart);
  const m = TRIGGER.exec(before);
  if (!m) { closePicker(); return; }
  const start = before.length - m[2].length - 1;
  if (!picker.open) { // fetched each time the picker opens, so replies added elsewhere show up
    const req = ++picker.req;
    try {
      await load();
    } catch (err) {
      showError(err);
      return;
    }
    if (req !== picker.req) return;
  }
  show(m[2], start);
}

async function insert() {
  const reply = picker.shown[picker.active];
  const ticketId = currentTicketId();
  if (!reply || ticketId === null) { closePicker(); return; }
  const { start, query } = picker;
  const req = ++picker.req;
  try {
    const rendered = await api('GET', `/canned-replies/${encodeURIComponent(reply.id)}/render${qs({ ticket_id: ticketId })}`);
    if (req !== picker.req || box.value.slice(start, start + query.length + 1) !== `/${query}`) return;
    const end = start + query.length + 1;
    box.value = box.value.slice(0, start) + rendered.body + box.value.slice(end);
    const caret = start + rendered.body.length;
    box.setSelectionRange(caret, caret);
    closePicker();
    box.dispatchEvent(new Event('input', { bubbles: true })); // autosize, draft, typing
    announce(`Inserted the canned reply ${reply.title}.`);
  } catch (err) {
    closePicker();
    showError(err);
  }
}

function onKeydown(e) {
  if (!picker.open || e.isComposing) return;
  const n = picker.shown.length;
  let handled = true;
  if (e.key === 'ArrowDown') picker.active = n ? (picker.active + 1) % n : 0;
  else if (e.key === 'ArrowUp') picker.active = n ? (picker.active - 1 + n) % n : 0;
  else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && n) insert();
  else if (e.key === 'Enter' && !e.shiftKey) announce('No canned reply chosen: press Escape to close the list, then Enter to send.');
  else if (e.key === 'Escape') closePicker();
  else handled = false;
  if (!handled) return;
  e.preventDefault();
  e.stopImmediatePropagation(); // keep Enter from sending (a mistyped "/shortcut" too) and Escape from leaving the box
  if (picker.open) render();
}

// Wire the picker to the reply box; `ticketId()` answers the open ticket's id (or null).
export function initCannedPicker(textarea, listbox, ticketId) {
  box = textarea;
  list = listbox;
  currentTicketId = ticketId;
  box.setAttribute('aria-autocomplete', 'list');
  box.setAttribute('aria-haspopup', 'listbox');
  box.setAttribute('aria-controls', list.id);
  box.setAttribute('aria-expanded', 'false');
  box.addEventListener('keydown', onKeydown, true); // before the composer's own Enter-to-send
  box.addEventListener('input', onInput);
  box.addEventListener('click', () => { if (picker.open) onInput(); });
  box.addEventListener('blur', closePicker);
}
