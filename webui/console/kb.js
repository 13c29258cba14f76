// Knowledge base: article list with search, and the editor.
import { api, qs } from './api.js';
import { $, h, sameId, debounce, timeEl, toast, showError, clearFieldErrors, confirmDialog } from './dom.js';
import { fileImporter } from './importer.js';

// `saved`: what the editor showed when filled or saved (to tell unsaved changes); `hash`: its route.
const kb = { items: [], req: 0, current: null, loaded: false, saved: null, hash: null };

const editorState = () => JSON.stringify([$('#kb-title').value, $('#kb-body').value, $('#kb-tags').value,
  $('#kb-published').checked]);
const unsaved = () => !$('#kb-form').hidden && kb.saved !== null && editorState() !== kb.saved;

async function loadArticles() {
  const req = ++kb.req;
  try {
    const data = await api('GET', `/articles${qs({ q: $('#kb-q').value.trim() })}`);
    if (req !== kb.req) return;
    kb.items = data.items || [];
    kb.loaded = true;
    renderList();
  } catch (err) {
    if (req === kb.req) showError(err);
  }
}

function renderList() {
  const ul = $('#kb-list');
  ul.replaceChildren(...kb.items.map((a) => h('li.item', { dataset: { articleId: a.id } },
    h('a.item-link', { href: `#/kb/${encodeURIComponent(a.id)}`, 'aria-current': kb.current && sameId(kb.current.id, a.id) ? 'true' : null },
      h('div.row-top', {}, h('span.row-subject', {}, a.title || '(untitled)'), timeEl(a.updated_at || a.created_at)),
      h('div.row-meta', {},
        a.published ? h('span.badge.badge-status-resolved', {}, 'Published') : h('span.badge', {}, 'Draft'),
        ...(a.tags || []).map((t) => h('span.tag', {}, t)))))));
  if (!kb.items.length && kb.loaded) ul.append(h('li.empty-row', {}, $('#kb-q').value.trim() ? 'No articles match.' : 'No articles yet.'));
}

function fillForm(a) {
  const form = $('#kb-form');
  clearFieldErrors(form);
  $('#kb-empty').hidden = true;
  form.hidden = false;
  $('#view-kb').classList.add('has-item');
  $('#kb-heading').textContent = a ? 'Edit article' : 'New article';
  $('#kb-title').value = a ? a.title || '' : '';
  $('#kb-body').value = a ? a.body || '' : '';
  $('#kb-tags').value = a ? (a.tags || []).join(', ') : '';
  $('#kb-published').checked = a ? !!a.published : false;
  $('#kb-delete').hidden = !a;
  $('#kb-meta').replaceChildren(...(a ? ['Updated ', timeEl(a.updated_at || a.created_at)] : []));
  kb.saved = editorState();
  kb.hash = a ? `#/kb/${encodeURIComponent(a.id)}` : '#/kb/new';
}

// Leaving the article being edited (another one, a new one, the list) with unsaved changes asks
// first; kept, the address goes back to it. Returns whether to go on.
async function mayLeaveEditor(id) {
  const showing = $('#kb-form').hidden ? null : kb.current ? String(kb.current.id) : 'new';
  if (showing === (id === null || id === undefined ? null : String(id)) || !unsaved()) return true;
  const what = kb.current ? `“${kb.current.title}”` : 'the new article';
  if (await confirmDialog(`Discard your unsaved changes to ${what}?`, 'Discard changes')) return true;
  if (kb.hash) history.replaceState(null, '', kb.hash);
  return false;
}

export async function showKb(id) {
  if (!kb.loaded) loadArticles();
  if (!(await mayLeaveEditor(id))) return;
  if (id === null || id === undefined) {
    kb.current = null;
    $('#kb-form').hidden = true;
    $('#kb-empty').hidden = false;
    $('#view-kb').classList.remove('has-item');
    renderList();
    return;
  }
  if (id === 'new') {
    kb.current = null;
    fillForm(null);
    renderList();
    $('#kb-title').focus();
    return;
  }
  try {
    const a = await api('GET', `/articles/${encodeURIComponent(id)}`);
    kb.current = a;
    fillForm(a);
    renderList();
  } catch (err) {
    showError(err);
    if (err.status === 404) location.hash = '#/kb';
  }
}

async function save(e) {
  e.preventDefault();
  const form = $('#kb-form');
  clearFieldErrors(form);
  const payload = {
    title: $('#kb-title').value.trim(),
    body: $('#kb-body').value,
    tags: $('#kb-tags').value.split(',').map((t) => t.trim()).filter(Boolean),
    published: $('#kb-published').checked,
  };
  if (!payload.title) {
    showError({ message: 'Please give the article a title.', fields: { title: ['Required.'] } }, form);
    return;
  }
  const btn = form.querySelector('button[type="submit"]');
  btn.disabled = true;
  try {
    const creating = !kb.current;
    const a = creating
      ? await api('POST', '/articles', payload)
      : await api('PUT', `/articles/${encodeURIComponent(kb.current.id)}`, payload);
    kb.current = a;
    const i = kb.items.findIndex((x) => sameId(x.id, a.id));
    if (i >= 0) kb.items[i] = a; else kb.items.unshift(a);
    toast(creating ? 'Article created.' : 'Article saved.', 'success');
    if (creating) history.replaceState(null, '', `#/kb/${encodeURIComponent(a.id)}`);
    fillForm(a);
    renderList();
  } catch (err) {
    showError(err, form);
  } finally {
    btn.disabled = false;
  }
}

async function remove() {
  const a = kb.current;
  if (!a) return;
  if (!(await confirmDialog(`Delete the article “${a.title}”? This cannot be undone.`, 'Delete article'))) return;
  try {
    await api('DELETE', `/articles/${encodeURIComponent(a.id)}`);
    kb.items = kb.items.filter((x) => !sameId(x.id, a.id));
    kb.saved = null; // nothing left to keep
    toast('Article deleted.', 'success');
    location.hash = '#/kb';
  } catch (err) {
    showError(err);
  }
}

// Importing files: progress follows `import_progress` events from the /agent socket (any import's,
// when none started here is running).
let importProgress = () => {};
export const onImportProgress = (ev) => importProgress(ev);

export function initKb() {
  importProgress = fileImporter({ input: '#kb-files', box: '#kb-import-status', bar: '#kb-import-progress',
    text: '#kb-import-text', ownJobsOnly: false, onDone: loadArticles });
  $('#kb-q').addEventListener('input', debounce(loadArticles, 250));
  $('#kb-form').addEventListener('submit', save);
  $('#kb-delete').addEventListener('click', remove);
  window.addEventListener('beforeunload', (e) => {
    if (!unsaved()) return;
    e.preventDefault();
    e.returnValue = ''; // the browser asks whether to leave
  });
}

export function resetKb() {
  Object.assign(kb, { items: [], current: null, loaded: false, saved: null, hash: null });
  kb.req += 1;
}
