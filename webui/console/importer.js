// Importing help articles from files, as the knowledge base page and the first-run wizard both do:
// upload the files, then show the background job's progress from `import_progress` socket events.
import { state } from './state.js';
import { $ } from './dom.js';

// Upload files to import in the background; resolves to the job id that `import_progress` events carry.
async function startImport(files) {
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  const res = await fetch('/api/v1/articles/import', {
    method: 'POST', body: form, credentials: 'same-origin', headers: { 'X-CSRF-Token': state.csrf || '' },
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error((data && data.error && data.error.message) || `Upload failed (${res.status}).`);
  return data.job_id;
}

// Wires a file input to a status box (a <progress> and a text line inside it) and returns the
// handler for `import_progress` events. `ownJobsOnly: false` also shows jobs started elsewhere
// while this one has none of its own running.
export function fileImporter({ input, box, bar, text, ownJobsOnly = true, onDone = () => {} }) {
  let job = null;
  // A small import can finish before the upload's response names its job: events that arrive while
  // the upload is in flight are kept and replayed once the job id is known.
  let early = null;

  function show(message, done, total, st) {
    $(box).hidden = false;
    $(box).dataset.state = st;
    const progress = $(bar);
    progress.max = Math.max(total, 1);
    progress.value = st === 'done' ? progress.max : done;
    $(text).textContent = message;
  }

  $(input).addEventListener('change', async () => {
    const files = $(input).files;
    if (!files.length) return;
    show(`Uploading ${files.length} file(s)…`, 0, 1, 'running');
    early = [];
    try {
      job = await startImport(files);
      show('Reading files…', 0, 1, 'running');
      const seen = early.filter((ev) => ev.job_id === job);
      early = null;
      for (const ev of seen) onProgress(ev);
    } catch (err) {
      show(err.message, 0, 1, 'failed');
    } finally {
      early = null;
      $(input).value = '';
    }
  });

  function onProgress(ev) {
    if (!ev) return;
    if (early) { early.push(ev); return; }
    if (job ? ev.job_id !== job : ownJobsOnly) return;
    if (ev.state === 'running') {
      show(`Importing… ${ev.done} of ${ev.total} articles`, ev.done, ev.total, 'running');
    } else if (ev.state === 'done') {
      show(`Done: ${ev.message}.`, ev.done, ev.total, 'done');
      job = null;
      onDone();
    } else {
      show(`Import failed: ${ev.message}`, 0, 1, 'failed');
      job = null;
    }
  }
  return onProgress;
}
