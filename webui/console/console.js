// Hearth agent console: session, live connection, routing, theme, presence.
import { api, setUnauthorizedHandler } from './api.js';
import { state, isAdmin } from './state.js';
import { $, $$, h, toast, showError, clearFieldErrors, initials, sameId } from './dom.js';
import * as inbox from './inbox.js';
import { initKb, showKb, resetKb, onImportProgress } from './kb.js';
import { initAdmin, showSettings, showUsers, showAudit, loadUsers } from './admin.js';
import { initPalette } from './palette.js';
import { initHealth, showHealth, onHealthAlert } from './health.js';
import { initWebhooks, showWebhooks } from './webhooks.js';
import { initReports, showReports } from './reports.js';
import { onNotification, onPresence, showUnreadNotifications } from './routing.js';
import { initCanned, showCanned } from './canned.js';
import { setupNeeded, showWizard, hideWizard, initWizard, onSetupImportProgress } from './wizard.js';
import { initModels, showModels, onModelPull } from './models.js';
import { initLan, showLan } from './lan.js';
import { initNavMenu, markNavMenus } from './navmenu.js';
import { initPassword, openPasswordDialog } from './password.js';

const THEME_KEY = 'hearth.theme';
const ADMIN_VIEWS = ['settings', 'users', 'audit', 'reports', 'health', 'webhooks'];
const TITLES = { inbox: 'Inbox', kb: 'Knowledge base', canned: 'Canned replies', settings: 'Settings', users: 'Users', audit: 'Audit trail', reports: 'Reports', health: 'Health', webhooks: 'Webhooks', denied: 'Not allowed' };

let currentView = null;

// ---------------------------------------------------------------- theme

const prefersDark = matchMedia('(prefers-color-scheme: dark)');
const currentTheme = () => document.documentElement.dataset.theme;  // set by theme-init.js

function renderThemeButton() {
  const dark = currentTheme() === 'dark';
  const btn = $('#theme-toggle');
  btn.textContent = dark ? '☀' : '☾';
  btn.setAttribute('aria-label', dark ? 'Switch to light theme' : 'Switch to dark theme');
  btn.title = btn.getAttribute('aria-label');
}

function toggleTheme() {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try { localStorage.setItem(THEME_KEY, next); } catch { /* not remembered */ }
  renderThemeButton();
}

// ---------------------------------------------------------------- routing

function parseRoute() {
  const decode = (p) => { try { return decodeURIComponent(p); } catch { return p; } };
  const [a, b] = location.hash.replace(/^#\/?/, '').split('/').map(decode);
  if (a === 'tickets') return { view: 'inbox', id: b || null };
  if (a === 'kb') return { view: 'kb', id: b || null };
  if (a === 'canned') return { view: 'canned' };
  if (ADMIN_VIEWS.includes(a)) return { view: a };
  return { view: 'inbox', id: null };
}

function route() {
  if (!state.user) return;
  let r = parseRoute();
  if (ADMIN_VIEWS.includes(r.view) && !isAdmin()) r = { view: 'denied' };
  const previous = currentView;
  if (previous === 'inbox' && r.view !== 'inbox') inbox.leaveInbox();
  currentView = r.view;
  for (const sec of $$('.view')) sec.hidden = sec.dataset.view !== r.view;
  for (const a of $$('.nav a')) {
    const on = a.dataset.nav === r.view;
    a.classList.toggle('active', on);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  markNavMenus();
  document.title = `${TITLES[r.view]} · Hearth`;
  if (r.view === 'inbox') inbox.showInbox(r.id, previous !== null && previous !== 'inbox');
  else if (r.view === 'kb') showKb(r.id);
  else if (r.view === 'canned') showCanned();
  else if (r.view === 'settings') { showSettings(); showModels(); showLan(); }
  else if (r.view === 'users') showUsers();
  else if (r.view === 'audit') showAudit();
  else if (r.view === 'health') showHealth();
  else if (r.view === 'webhooks') showWebhooks();
  else if (r.view === 'reports') showReports();
}

const go = (hash) => { if (location.hash === hash) route(); else location.hash = hash; };

// ---------------------------------------------------------------- session

function showLogin(message) {
  $('#app').hidden = true;
  $('#login-screen').hidden = false;
  $('#login-error').textContent = message || '';
  document.title = 'Sign in · Hearth';
  $('#login-email').focus();
}

function renderCompany() {
  $('#company-name').textContent = state.company ? state.company.name : '';
}

// `reveal: false` keeps the app hidden (the first-run wizard is still on screen; showApp() ends it).
function startSession(data, { reveal = true } = {}) {
  state.user = data.user;
  state.company = data.company;
  state.csrf = data.csrf_token;
  if (reveal) showApp(false);
  for (const el of $$('.admin-only')) el.hidden = !isAdmin();
  renderMe();
  renderCompany();
  inbox.startInbox(state.user.id);
  loadUsers().catch((err) => showError(err));
  connectSocket();
  if (reveal) route();
}

function renderMe() {
  const name = state.user.name;
  const btn = $('#me-name');
  $('.me-full', btn).textContent = name;
  $('.me-initials', btn).textContent = initials(name);
  btn.setAttribute('aria-label', `${name}: change your password`);
  btn.title = `Signed in as ${name}. Change your password`;
}

function showApp(andRoute = true) {
  hideWizard();
  $('#login-screen').hidden = true;
  $('#app').hidden = false;
  if (andRoute) route();
}

function endSession(message, keepDrafts = false) {
  if (state.socket) {
    state.socket.off();
    state.socket.disconnect();
    state.socket = null;
  }
  inbox.resetInbox(keepDrafts);
  resetKb();
  Object.assign(state, { user: null, company: null, csrf: null, users: [], online: [] });
  currentView = null;
  for (const d of $$('dialog[open]')) d.close();
  setConn('');
  showLogin(message);
}

// The server no longer knows this tab's session (a logout or a new password elsewhere).
function sessionGone() {
  if (state.user) endSession('Your session has ended. Please sign in again.', true);
}

async function login(e) {
  e.preventDefault();
  const form = $('#login-form');
  clearFieldErrors(form);
  const email = $('#login-email').value.trim();
  const password = $('#login-password').value;
  if (!email || !password) {
    $('#login-error').textContent = 'Enter your email and password.';
    return;
  }
  const btn = $('[data-testid="login-submit"]');
  btn.disabled = true;
  $('#login-error').textContent = '';
  try {
    const data = await api('POST', '/auth/login', { email, password });
    $('#login-password').value = '';
    startSession(data);
  } catch (err) {
    $('#login-error').textContent = showError(err, form, { quiet: true });
    $('#login-password').select();
  } finally {
    btn.disabled = false;
  }
}

async function logout() {
  try {
    await api('POST', '/auth/logout');
  } catch (err) {
    if (err.status !== 401) showError(err);
  }
  endSession();
  history.replaceState(null, '', '#/inbox');
}

// ---------------------------------------------------------------- live connection

function setConn(status) {
  const el = $('#conn-status');
  el.className = `conn ${status}`;
  el.textContent = status === 'live' ? 'Live' : status === 'offline' ? 'Reconnecting…' : '';
  el.title = status === 'live' ? 'Receiving live updates' : status === 'offline' ? 'Connection lost; retrying' : '';
}

function connectSocket() {
  if (typeof window.io !== 'function') {
    toast('Live updates are unavailable: the Socket.IO client did not load.');
    return;
  }
  // auth as a function so a reconnect always sends the current CSRF token.
  const socket = window.io('/agent', { auth: (cb) => cb({ csrf_token: state.csrf }) });
  state.socket = socket;
  let connectedBefore = false;
  socket.on('connect', () => {
    setConn('live');
    if (connectedBefore) inbox.resync();
    else showUnreadNotifications();
    connectedBefore = true;
    inbox.rejoin();
  });
  socket.on('disconnect', (reason) => {
    setConn('offline');
    if (reason === 'io server disconnect') recheckSession(socket, reconnectDelay()); // closed on purpose
  });
  socket.on('connect_error', () => {
    setConn('offline');
    if (!socket.active) recheckSession(socket); // refused by the server: not retried automatically
  });
  socket.on('ticket_created', inbox.onTicketCreated);
  socket.on('ticket_updated', inbox.onTicketUpdated);
  socket.on('message', inbox.onMessage);
  socket.on('typing', inbox.onTyping);
  socket.on('viewers', inbox.onViewers);
  socket.on('sla_alert', inbox.onSlaAlert);
  socket.on('sla_policy_updated', inbox.resync); // every due time may have moved
  socket.on('presence', renderPresence);
  socket.on('import_progress', onImportProgress);
  socket.on('health_alert', onHealthAlert);
  socket.on('notification', onNotification);
  socket.on('presence', onPresence);
  socket.on('ticket_merged', inbox.onTicketMerged);
  socket.on('import_progress', onSetupImportProgress);
  socket.on('model_pull', onModelPull);
}

// The server closes the socket on purpose when the account's sessions end: a logout or a new
// password elsewhere, or one set here (this tab's session carries on). A session still valid
// reconnects at once; but after 5 s when the server did this within the last 30 s too, so a server
// that keeps closing it is not asked again in a tight loop.
const QUICK_RECONNECT_GAP_MS = 30000;
const RECONNECT_BACKOFF_MS = 5000;
let lastServerClose = -Infinity;

function reconnectDelay() {
  const now = Date.now();
  const delay = now - lastServerClose > QUICK_RECONNECT_GAP_MS ? 0 : RECONNECT_BACKOFF_MS;
  lastServerClose = now;
  return delay;
}

async function recheckSession(socket, delay = RECONNECT_BACKOFF_MS) {
  try {
    await state.sessionChange; // a password changed here: its answer brings this tab's new session
    const me = await api('GET', '/auth/me');
    state.csrf = me.csrf_token;
    setTimeout(() => { if (state.socket === socket && !socket.connected) socket.connect(); }, delay);
  } catch (err) {
    if (err.status === 401) sessionGone();
    else setTimeout(() => { if (state.socket === socket && !socket.connected) recheckSession(socket); }, 10000);
  }
}

function renderPresence(ev) {
  state.online = (ev && ev.online) || [];
  const box = $('#presence');
  const names = state.online.map((a) => a.name);
  box.title = names.length ? `Online: ${names.join(', ')}` : 'Nobody online';
  box.replaceChildren(
    h('span.presence-dot', { 'aria-hidden': 'true' }),
    h('span.presence-count', {}, `${state.online.length} online`),
    h('span.presence-list', {}, ...state.online.map((a) => h('span.avatar', {
      title: a.name, class: state.user && sameId(a.id, state.user.id) ? 'me' : null,
    }, h('span', { 'aria-hidden': 'true' }, initials(a.name)), h('span.sr-only', {}, `${a.name} `)))));
}

// ---------------------------------------------------------------- palette + shortcuts

function commands() {
  const list = [
    { label: 'Go to Inbox', hint: 'g i', run: () => go('#/inbox') },
    { label: 'Go to Knowledge base', hint: 'g k', run: () => go('#/kb') },
    { label: 'New knowledge base article', run: () => go('#/kb/new') },
  ];
  if (isAdmin()) {
    list.push({ label: 'Go to Settings', run: () => go('#/settings') },
      { label: 'Go to Users', run: () => go('#/users') },
      { label: 'Go to Audit trail', run: () => go('#/audit') },
      { label: 'Go to Health', run: () => go('#/health') },
      { label: 'Go to Webhooks', run: () => go('#/webhooks') },
      { label: 'Go to Reports', run: () => go('#/reports') });
  }
  if (currentView === 'inbox' && inbox.hasOpenTicket()) {
    list.push({ label: 'Resolve this ticket', hint: 'e', run: inbox.resolveOpen },
      { label: 'Assign this ticket to me', hint: 'a', run: inbox.assignToMe },
      { label: 'Write a private note', hint: 'n', run: () => inbox.focusComposer(true) },
      { label: 'Suggest a reply from the knowledge base', hint: 's', run: inbox.suggestReply });
  }
  list.push({ label: 'Toggle light / dark theme', run: toggleTheme },
    { label: 'Show keyboard shortcuts', hint: '?', run: () => $('#help').showModal() },
    { label: 'Change your password', run: openPasswordDialog },
    { label: 'Log out', run: logout });
  return list;
}

// ---------------------------------------------------------------- start

function init() {
  renderThemeButton();
  prefersDark.addEventListener('change', renderThemeButton);  // theme-init.js has followed the system
  $('#theme-toggle').addEventListener('click', toggleTheme);
  initNavMenu($('#admin-menu-button'));
  $('#login-form').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  initPassword({ sessionEnded: sessionGone });
  window.addEventListener('hashchange', route);
  setUnauthorizedHandler(sessionGone);

  inbox.initInbox();
  initKb();
  initHealth();
  initWebhooks();
  initReports();
  initCanned();
  initWizard();
  initModels();
  initLan();
  initAdmin({ companyChanged: renderCompany, usersChanged: inbox.renderAssignees });
  initPalette({
    commands,
    tickets: inbox.currentTickets,
    keys: {
      enabled: () => !!state.user,
      goInbox: () => go('#/inbox'),
      goKb: () => go('#/kb'),
      move: (d) => { if (currentView === 'inbox') inbox.moveSelection(d); },
      reply: () => inbox.focusComposer(false),
      note: () => inbox.focusComposer(true),
      suggest: () => inbox.suggestReply(),
      resolve: () => inbox.resolveOpen(),
      assign: () => inbox.assignToMe(),
    },
  });
}

async function boot() {
  init();
  try {
    startSession(await api('GET', '/auth/me'));
  } catch (err) {
    if (err.status === 401 && await setupNeeded()) {
      showWizard({
        onAccount: (data) => startSession(data, { reveal: false }),
        onDone: () => { history.replaceState(null, '', '#/inbox'); showApp(); },
      });
      return;
    }
    showLogin(err.status === 401 ? '' : err.message);
  }
}

boot();
