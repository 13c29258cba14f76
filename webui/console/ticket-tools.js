// Tags and merging in the ticket view, and the company's tag vocabulary for the inbox filter.
import { api, qs } from './api.js';
import { $, h, showError, clearFieldErrors, announce, toast } from './dom.js';

let hooks = { current: () => null, updated: () => {} };

// The tags in use in the company, offered as suggestions (datalist #tag-vocab).
export async function loadTagVocabulary() {
  try {
    const data = await api('GET', '/tags');
    $('#tag-vocab').replaceChildren(...(data.items || []).map((t) => h('option', { value: t.name }, `${t.name} (${t.count})`)));
  } catch { /* suggestions only: the inputs still work without them */ }
}

export function tagBadges(t) {
  return (t.tags || []).map((name) => h('span.badge.badge-tag', { dataset: { testid: 'row-tag' } }, name));
}

// The open ticket's tags as removable chips.
// A ticket merged into another is read-only: its chips lose their remove buttons.
export function renderTags(t) {
  const mergedAway = !!t.merged_into;
  const ul = $('#t-tags');
  ul.replaceChildren(...(t.tags || []).map((name) => h('li.tag-chip', { dataset: { testid: 'ticket-tag', tag: name } },
    h('span', {}, name),
    mergedAway ? null : h('button.tag-remove', { type: 'button', 'aria-label': `Remove tag ${name}`, dataset: { testid: 'tag-remove' },
      onclick: () => removeTag(name) }, '×'))));
  $('#t-tag-input').disabled = mergedAway;
  $('#t-tag-form [data-testid="tag-add"]').disabled = mergedAway;
  $('#t-merge').disabled = mergedAway;
}

// Another ticket opened: what was typed for the last one, and its error, go.
export function resetTagInput() {
  $('#t-tag-input').value = '';
  clearFieldErrors($('#t-tag-form'));
}

async function addTag(e) {
  e.preventDefault();
  const t = hooks.current();
  const input = $('#t-tag-input');
  const tag = input.value.trim();
  if (!t || !tag) return;
  const form = $('#t-tag-form');
  clearFieldErrors(form);
  const stillOpen = () => { const now = hooks.current(); return !!now && now.id === t.id; };
  try {
    const updated = await api('POST', `/tickets/${encodeURIComponent(t.id)}/tags`, { tag });
    if (stillOpen()) input.value = '';
    hooks.updated(updated);
    announce(`Tagged ${tag}`);
    loadTagVocabulary();
  } catch (err) {
    if (stillOpen()) showError(err, form);
  }
}

async function removeTag(name) {
  const t = hooks.current();
  if (!t) return;
  try {
    hooks.updated(await api('DELETE', `/tickets/${encodeURIComponent(t.id)}/tags/${encodeURIComponent(name)}`));
    announce(`Removed tag ${name}`);
    $('#t-tag-input').focus();
  } catch (err) {
    showError(err);
  }
}

// ---- merging ----

async function openMerge() {
  const t = hooks.current();
  if (!t) return;
  const dlg = $('#merge-dialog');
  const sel = $('#merge-target');
  clearFieldErrors(dlg);
  $('#merge-source').textContent = `#${t.number} ${t.subject || ''}`;
  sel.replaceChildren(h('option', { value: '' }, 'Loading…'));
  $('#merge-ok').disabled = true;
  dlg.showModal();
  try {
    // a ticket merged into another cannot take a merge: its conversation lives on in the other
    const data = await api('GET', `/tickets${qs({ customer: t.customer.id, merged: false, limit: 100 })}`);
    const others = (data.items || []).filter((x) => x.id !== t.id);
    sel.replaceChildren(...(others.length ? others.map((x) => h('option', { value: String(x.id) },
      `#${x.number} ${x.subject || '(no subject)'} · ${x.status}`)) : [h('option', { value: '' }, 'This customer has no other ticket')]));
    $('#merge-ok').disabled = !others.length;
    sel.focus();
  } catch (err) {
    showError(err, dlg);
  }
}

// Tickets this console is merging away: their `ticket_merged` push (before or after the answer) is
// not announced a second time.
const mergingHere = new Set();
export const mergedHere = (sourceId) => mergingHere.has(String(sourceId));

async function doMerge(e) {
  e.preventDefault();
  const t = hooks.current();
  const target = Number($('#merge-target').value);
  if (!t || !target) return;
  const dlg = $('#merge-dialog');
  mergingHere.add(String(t.id));
  try {
    const res = await api('POST', `/tickets/${encodeURIComponent(t.id)}/merge`, { target_id: target });
    dlg.close();
    toast(`#${res.source.number} was merged into #${res.target.number}.`, 'info', { testid: 'merge-toast' });
    location.hash = `#/tickets/${encodeURIComponent(res.target.id)}`;
  } catch (err) {
    mergingHere.delete(String(t.id));
    showError(err, dlg);
  }
}

export function initTicketTools(options) {
  hooks = options;
  $('#t-tag-form').addEventListener('submit', addTag);
  $('#t-merge').addEventListener('click', openMerge);
  $('#merge-form').addEventListener('submit', doMerge);
  $('#merge-cancel').addEventListener('click', () => $('#merge-dialog').close());
}
