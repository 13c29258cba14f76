// Knowledge base: article list with search, and the editor.
import { api, qs } from './api.js';
import { $, h, sameId, debounce, timeEl, toast, showError, clearFieldErrors, confirmDialog } from './dom.js';
import { fileImporter } from './importer.js';

const kb = { items: [], req: 0, current: null, loaded: false };

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
}

export async function showKb(id) {
  if (!kb.loaded) loadArticles();
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
}

export function resetKb() {
  Object.assign(kb, { items: [], current: null, loaded: false });
  kb.req += 1;
}
