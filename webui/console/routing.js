// Settings → Routing card (admin): each agent's capacity, teams and their members, and the ordered
// routing rules (first match wins). /api/v1/routing/agents, /api/v1/teams, /api/v1/routing/rules.
// Also the live `notification` event (e.g. an SLA breach for admins) shown as a toast.
import { api } from './api.js';
import { $, h, toast, showError, clearFieldErrors, confirmDialog } from './dom.js';

const KINDS = { intent: 'Intent is', keyword: 'Message contains', customer: 'Customer name or email contains', channel: 'Channel is' };
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const data = { agents: [], defaultCapacity: 5, teams: [], rules: [] };
let loadReq = 0;

const errorSlot = (key, inputId) => h('p.field-error', { dataset: inputId ? { errorFor: key, input: inputId } : { errorFor: key } });

// ---------------------------------------------------------------- agents and capacity

function agentRow(a) {
  const id = `cap-${a.id}`;
  const input = h('input', {
    id, type: 'number', min: '0', max: '1000', step: '1', inputmode: 'numeric', placeholder: String(data.defaultCapacity),
    value: a.capacity === null || a.capacity === undefined ? '' : String(a.capacity),
    'aria-label': `Capacity of ${a.name} (empty: the default of ${data.defaultCapacity})`,
    dataset: { testid: 'routing-capacity-input', userId: String(a.id) },
  });
  const save = h('button.btn.small', { type: 'button', dataset: { testid: 'routing-capacity-save' } }, 'Save');
  save.addEventListener('click', () => saveCapacity(a, input));
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); saveCapacity(a, input); } });
  return h('tr', { dataset: { testid: 'routing-agent-row', userId: String(a.id) } },
    h('td', {}, a.name),
    h('td', {}, a.online ? h('span.badge.badge-status-resolved', {}, 'Online') : h('span.muted', {}, 'Offline')),
    h('td', {}, `${a.open_tickets} / ${a.effective_capacity}`),
    h('td', {}, h('span.sla-inline', {}, input, save), errorSlot(`capacity-${a.id}`, id)));
}

async function saveCapacity(a, input) {
  const raw = input.value.trim();
  const capacity = raw === '' ? null : Number(raw);
  const slot = $(`[data-error-for="capacity-${a.id}"]`);
  slot.textContent = '';
  if (capacity !== null && (!Number.isInteger(capacity) || capacity < 0 || capacity > 1000)) {
    slot.textContent = 'Enter a whole number from 0 to 1000, or leave empty for the default.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  try {
    const updated = await api('PUT', `/routing/agents/${encodeURIComponent(a.id)}`, { capacity });
    data.agents = data.agents.map((x) => (String(x.id) === String(a.id) ? updated : x));
    renderAgents();
    toast(`Capacity of ${a.name} saved.`, 'success');
  } catch (err) {
    slot.textContent = showError(err, null, { quiet: true });
  }
}

function renderAgents() {
  $('#routing-agents').replaceChildren(...data.agents.map(agentRow));
}

// `presence` from the socket: keep the Online column of the agents table current.
export function onPresence(ev) {
  const online = new Set(((ev && ev.online) || []).map((a) => String(a.id)));
  if (!data.agents.length) return;
  data.agents = data.agents.map((a) => ({ ...a, online: online.has(String(a.id)) }));
  for (const row of document.querySelectorAll('#routing-agents [data-testid="routing-agent-row"]')) {
    const cell = row.children[1];
    const on = online.has(row.dataset.userId);
    cell.replaceChildren(on ? h('span.badge.badge-status-resolved', {}, 'Online') : h('span.muted', {}, 'Offline'));
  }
}

// ---------------------------------------------------------------- teams

function memberBoxes(prefix, checked) {
  return h('div.routing-members', { role: 'group', 'aria-label': 'Members' }, ...data.agents.map((a) => {
    const id = `${prefix}-${a.id}`;
    return h('label.check', { for: id },
      h('input', { id, type: 'checkbox', value: String(a.id), checked: checked.some((m) => String(m) === String(a.id)),
        dataset: { testid: 'team-member-checkbox', userId: String(a.id) } }), a.name);
  }));
}

const checkedIds = (root) => Array.from(root.querySelectorAll('input[type="checkbox"]:checked')).map((c) => Number(c.value));

function teamRow(t) {
  const boxes = memberBoxes(`team-${t.id}-m`, t.member_ids);
  const save = h('button.btn.small', { type: 'button', dataset: { testid: 'team-save' } }, 'Save members');
  const del = h('button.btn.small.danger', { type: 'button', dataset: { testid: 'team-delete' }, 'aria-label': `Delete team ${t.name}` }, 'Delete');
  save.addEventListener('click', async () => {
    try {
      const updated = await api('PATCH', `/teams/${encodeURIComponent(t.id)}`, { member_ids: checkedIds(boxes) });
      data.teams = data.teams.map((x) => (x.id === t.id ? updated : x));
      toast(`Team ${t.name} saved.`, 'success');
    } catch (err) { showError(err); }
  });
  del.addEventListener('click', async () => {
    if (!(await confirmDialog(`Delete team ${t.name}?`, 'Delete'))) return;
    try {
      await api('DELETE', `/teams/${encodeURIComponent(t.id)}`);
      data.teams = data.teams.filter((x) => x.id !== t.id);
      renderTeams();
      renderRules();
    } catch (err) { showError(err); }
  });
  return h('li.routing-team', { dataset: { testid: 'team-row', teamId: String(t.id) } },
    h('strong', {}, t.name), boxes, h('span.sla-inline', {}, save, del));
}

function renderTeams() {
  $('#routing-teams').replaceChildren(...(data.teams.length ? data.teams.map(teamRow)
    : [h('li.muted', {}, 'No teams yet: tickets go to every available agent.')]));
  $('#team-new-members').replaceChildren(memberBoxes('team-new-m', []));
  const sel = $('#rule-team');
  const keep = sel.value;
  sel.replaceChildren(...data.teams.map((t) => h('option', { value: String(t.id) }, t.name)));
  if (keep) sel.value = keep;
  $('#rule-add').disabled = !data.teams.length; // a rule needs a team to send tickets to
}

async function addTeam(e) {
  e.preventDefault();
  const form = $('#team-form');
  clearFieldErrors(form);
  try {
    const team = await api('POST', '/teams', { name: $('#team-name').value.trim(), member_ids: checkedIds($('#team-new-members')) });
    data.teams = [...data.teams, team].sort((a, b) => a.name.localeCompare(b.name));
    $('#team-name').value = '';
    renderTeams();
    toast(`Team ${team.name} created.`, 'success');
  } catch (err) { showError(err, form); }
}

// ---------------------------------------------------------------- rules

function ruleRow(r, i) {
  const up = h('button.btn.small', { type: 'button', disabled: i === 0, dataset: { testid: 'rule-up' }, 'aria-label': `Move rule ${i + 1} up` }, '↑');
  const down = h('button.btn.small', { type: 'button', disabled: i === data.rules.length - 1, dataset: { testid: 'rule-down' }, 'aria-label': `Move rule ${i + 1} down` }, '↓');
  const del = h('button.btn.small.danger', { type: 'button', dataset: { testid: 'rule-delete' }, 'aria-label': `Delete rule ${i + 1}` }, 'Delete');
  up.addEventListener('click', () => move(i, -1));
  down.addEventListener('click', () => move(i, 1));
  del.addEventListener('click', async () => {
    try {
      await api('DELETE', `/routing/rules/${encodeURIComponent(r.id)}`);
      data.rules = data.rules.filter((x) => x.id !== r.id);
      renderRules();
    } catch (err) { showError(err); }
  });
  return h('li.routing-rule', { dataset: { testid: 'rule-row', ruleId: String(r.id) } },
    h('span', {}, `${i + 1}. ${KINDS[r.kind] || r.kind} “`, h('code', {}, r.value), `” → ${r.team.name}`,
      r.priority ? ` (priority ${r.priority})` : ''),
    h('span.sla-inline', {}, up, down, del));
}

async function move(i, delta) {
  const ids = data.rules.map((r) => r.id);
  [ids[i], ids[i + delta]] = [ids[i + delta], ids[i]];
  try {
    data.rules = (await api('PUT', '/routing/rules/order', { rule_ids: ids })).items;
    renderRules();
    const buttons = document.querySelectorAll(`#routing-rules [data-testid="${delta < 0 ? 'rule-up' : 'rule-down'}"]`);
    const target = buttons[i + delta];
    if (target && !target.disabled) target.focus();
  } catch (err) { showError(err); }
}

function renderRules() {
  $('#routing-rules').replaceChildren(...(data.rules.length ? data.rules.map(ruleRow)
    : [h('li.muted', {}, 'No rules: every ticket goes to every available agent in turn.')]));
}

async function addRule(e) {
  e.preventDefault();
  const form = $('#rule-form');
  clearFieldErrors(form);
  const team = $('#rule-team').value;
  const body = { kind: $('#rule-kind').value, value: $('#rule-value').value.trim(), team_id: team ? Number(team) : null,
    priority: $('#rule-priority').value || null };
  try {
    data.rules = [...data.rules, await api('POST', '/routing/rules', body)];
    $('#rule-value').value = '';
    renderRules();
    toast('Rule added.', 'success');
  } catch (err) { showError(err, form); }
}

// ---------------------------------------------------------------- the card

function build() {
  const card = $('#routing-card');
  const kind = h('select', { id: 'rule-kind', dataset: { testid: 'rule-kind' } },
    ...Object.entries(KINDS).map(([k, label]) => h('option', { value: k }, label)));
  const priority = h('select', { id: 'rule-priority', dataset: { testid: 'rule-priority' } },
    h('option', { value: '' }, 'Keep priority'), ...PRIORITIES.map((p) => h('option', { value: p }, `Set ${p}`)));
  card.replaceChildren(
    h('div.card-head', {}, h('h2', { id: 'routing-h' }, 'Routing')),
    h('p.muted', {}, 'New tickets for people go to an online agent with room, in turn. Rules send matching tickets to a team; '
      + 'the first matching rule wins. Assigning a ticket by hand always wins.'),
    h('h3', {}, 'Agents'),
    h('div.table-wrap', {}, h('table.table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Agent'), h('th', { scope: 'col' }, 'Presence'),
        h('th', { scope: 'col' }, 'Open / capacity'), h('th', { scope: 'col' }, 'Capacity (0: none automatically)'))),
      h('tbody', { id: 'routing-agents' }))),
    h('h3', {}, 'Teams'),
    h('ul.routing-list', { id: 'routing-teams' }),
    h('form', { id: 'team-form', class: 'routing-form', dataset: { testid: 'team-form' }, novalidate: true },
      h('label', { for: 'team-name' }, 'New team name'),
      h('input', { id: 'team-name', type: 'text', maxlength: '80', autocomplete: 'off', dataset: { testid: 'team-name' } }),
      errorSlot('name', 'team-name'),
      h('div', { id: 'team-new-members' }), errorSlot('member_ids'),
      h('button.btn.small', { type: 'submit', dataset: { testid: 'team-add' } }, 'Create team')),
    h('h3', {}, 'Rules'),
    h('ol.routing-list', { id: 'routing-rules' }),
    h('form', { id: 'rule-form', class: 'routing-form', dataset: { testid: 'rule-form' }, novalidate: true },
      h('label', { for: 'rule-kind' }, 'When'), kind, errorSlot('kind', 'rule-kind'),
      h('label', { for: 'rule-value' }, 'Value'),
      h('input', { id: 'rule-value', type: 'text', maxlength: '200', autocomplete: 'off', dataset: { testid: 'rule-value' } }),
      errorSlot('value', 'rule-value'),
      h('label', { for: 'rule-team' }, 'Send to team'), h('select', { id: 'rule-team', dataset: { testid: 'rule-team' } }),
      errorSlot('team_id', 'rule-team'),
      h('label', { for: 'rule-priority' }, 'Priority'), priority, errorSlot('priority', 'rule-priority'),
      h('button.btn.small', { id: 'rule-add', type: 'submit', dataset: { testid: 'rule-add' } }, 'Add rule')));
  $('#team-form').addEventListener('submit', addTeam);
  $('#rule-form').addEventListener('submit', addRule);
}

export async function showRouting() {
  const req = ++loadReq;
  const card = $('#routing-card');
  card.setAttribute('aria-busy', 'true');
  try {
    const [agents, teams, rules] = await Promise.all([api('GET', '/routing/agents'), api('GET', '/teams'), api('GET', '/routing/rules')]);
    if (req !== loadReq) return;
    data.agents = agents.items;
    data.defaultCapacity = agents.default_capacity;
    data.teams = teams.items;
    data.rules = rules.items;
    renderAgents();
    renderTeams();
    renderRules();
  } catch (err) {
    if (req === loadReq) showError(err);
  } finally {
    if (req === loadReq) card.removeAttribute('aria-busy');
  }
}

export function initRouting() { build(); }

// A notification for this person (an SLA breach for admins, a ticket someone gave them): a toast
// that stays a while.
function showNotification(n) {
  const parts = [h('strong', {}, n.title), ' ', typeof n.body === 'string' ? n.body : ''];
  if (n.ticket_id !== null && n.ticket_id !== undefined) {
    parts.push(' · ', h('a.toast-link', { href: `#/tickets/${encodeURIComponent(n.ticket_id)}` }, 'Open'));
  }
  toast(parts, n.kind === 'sla_breach' ? 'warning' : 'info', { testid: 'notification-toast', ms: 20000 });
}

// Those shown are marked read, by id: one that arrived while no console was connected still shows at the next login.
async function markRead(ids) {
  if (!ids.length) return;
  try { await api('POST', '/notifications/read', { ids }); } catch { /* shown again at the next login */ }
}

// The live `notification` event: delivered once, so it is not shown again at the next login.
export function onNotification(n) {
  if (!n || typeof n.title !== 'string') return;
  showNotification(n);
  if (typeof n.id === 'number') markRead([n.id]);
}

// Notifications that arrived while this person was away: shown once, then marked read.
export async function showUnreadNotifications() {
  let unread;
  try {
    unread = (await api('GET', '/notifications')).items.filter((n) => !n.read && typeof n.title === 'string');
  } catch { return; } // shown at the next login
  if (!unread.length) return;
  for (const n of unread.slice(0, 3).reverse()) showNotification(n);
  if (unread.length > 3) toast(`${unread.length - 3} more notifications while you were away.`, 'warning', { testid: 'notification-toast' });
  await markRead(unread.map((n) => n.id));
}
