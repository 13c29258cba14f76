// "Change your password": the dialog behind your name in the top bar (and the command palette).
import { api } from './api.js';
import { state } from './state.js';
import { $, toast, showError, clearFieldErrors } from './dom.js';

let onSessionEnded = () => {};

export function openPasswordDialog() {
  const dlg = $('#password-dialog');
  clearFieldErrors(dlg);
  $('#password-error').textContent = '';
  $('#password-username').value = state.user ? state.user.email : ''; // for password managers
  dlg.showModal();
  $('#password-current').focus();
}

async function changePassword(e) {
  e.preventDefault();
  const dlg = $('#password-dialog');
  const form = $('#password-form');
  clearFieldErrors(form);
  $('#password-error').textContent = '';
  const body = { current_password: $('#password-current').value, new_password: $('#password-new').value };
  const btn = $('#password-save');
  btn.disabled = true;
  // The server closes this tab's socket with the account's sessions, maybe before this answer (and
  // the new session's cookie) is in: the console checks its session again only once it is done.
  const request = api('POST', '/auth/password', body);
  state.sessionChange = request.catch(() => {});
  try {
    const data = await request;
    state.csrf = data.csrf_token;
    dlg.close();
    toast('Your password was changed; your other sessions were signed out.', 'success');
  } catch (err) {
    if (err.status === 401) { onSessionEnded(); return; } // logged out elsewhere meanwhile
    // shown in the dialog, above its backdrop: next to the field, or under the fields (429, a lock)
    const text = showError(err, form, { quiet: true });
    $('#password-error').textContent = err.fields ? '' : text;
    const onlyTheNewOne = err.fields && err.fields.new_password && !err.fields.current_password;
    $(onlyTheNewOne ? '#password-new' : '#password-current').select();
  } finally {
    btn.disabled = false;
    state.sessionChange = null;
  }
}

export function initPassword(hooks) {
  onSessionEnded = hooks.sessionEnded;
  const dlg = $('#password-dialog');
  $('#me-name').addEventListener('click', openPasswordDialog);
  $('#password-form').addEventListener('submit', changePassword);
  $('#password-cancel').addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', () => $('#password-form').reset()); // no password stays in the page
}
