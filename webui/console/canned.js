// Canned replies page: the company's shared replies (admins manage them) and one's own.
import { api } from './api.js';
import { isAdmin } from './state.js';
import { $, h, showError, clearFieldErrors, announce, confirmDialog, toast } from './dom.js';

const page = { items: [], editing: null, placeholders: [] };

function fill(reply) {
  page.editing = reply;
  const form = $('#canned-form');
  clearFieldErrors(form);
  $('#canned-heading').textContent = reply ? `Edit /${reply.shortcut}` : 'New canned reply';
  $('#c-title').value = reply ? reply.title : '';
  $('#c-shortcut').value = reply ? reply.shortcut : '';
  $('#c-body').value = reply ? reply.body : '';
  $('#c-shared').checked = reply ? reply.shared : false;
  $('#c-shared').disabled = !isAdmin();
  $('#canned-delete').hidden = !reply;
  $('#canned-cancel').hidden = !reply;
}

function render() {
  const row = (r) => h('li.canned-row', { dataset: { testid: 'canned-row', shortcut: r.shortcut } },
    h('div.canned-row-head', {},
      h('strong', {}, `/${r.shortcut}`), ' ', h('span', {}, r.title), ' ',
      h('span.badge', {}, r.shared ? 'shared' : 'personal'),
      r.editable ? h('button.btn.small.ghost', { type: 'button', dataset: { testid: 'canned-edit' },
        'aria-label': `Edit /${r.shortcut}`, onclick: () => { fill(r); $('#c-title').focus(); } }, 'Edit') : null),
    h('p.canned-row-body.muted', {}, r.body));
  const shared = page.items.filter((r) => r.shared);
  const mine = page.items.filter((r) => !r.shared);
  $('#canned-shared').replaceChildren(...(shared.length ? shared.map(row) : [h('li.muted', {}, 'No shared replies yet.')]));
  $('#canned-mine').replaceChildren(...(mine.length ? mine.map(row) : [h('li.muted', {}, 'No personal replies yet.')]));
  $('#canned-placeholders').textContent = page.placeholders.map((p) => `{{${p}}}`).join('  ');
}

export async function showCanned() {
  fill(null);
  try {
    const data = await api('GET', '/canned-replies');
    page.items = data.items || [];
    page.placeholders = data.placeholders || [];
    render();
  } catch (err) {
    showError(err);
  }
}

async function save(e) {
  e.preventDefault();
  const form = $('#canned-form');
  clearFieldErrors(form);
  const body = { title: $('#c-title').value.trim(), shortcut: $('#c-shortcut').value.trim(), body: $('#c-body').value,
    shared: $('#c-shared').checked };
  try {
    const saved = page.editing
      ? await api('PATCH', `/canned-replies/${encodeURIComponent(page.editing.id)}`, body)
      : await api('POST', '/canned-replies', body);
    announce(`Saved /${saved.shortcut}`);
    toast(`Saved /${saved.shortcut}`, 'info', { testid: 'canned-saved' });
    await showCanned();
  } catch (err) {
    showError(err, form);
  }
}

async function remove() {
  const reply = page.editing;
  if (!reply || !(await confirmDialog(`Delete the canned reply /${reply.shortcut}?`))) return;
  try {
    await api('DELETE', `/canned-replies/${encodeURIComponent(reply.id)}`);
    await showCanned();
  } catch (err) {
    showError(err);
  }
}

export function initCanned() {
  $('#canned-form').addEventListener('submit', save);
  $('#canned-delete').addEventListener('click', remove);
  $('#canned-cancel').addEventListener('click', () => fill(null));
}
