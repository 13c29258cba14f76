// SLA display helpers: countdown text, the inbox badge, the ticket view strip, urgency sorting.
// All times come from the server as absolute ISO instants; the countdowns run on the client clock.
import { $$, h, fullTime } from './dom.js';

export const TARGET_LABEL = { first_response: 'First response', next_response: 'Next response', resolution: 'Resolution' };
export const targetName = (kind) => TARGET_LABEL[kind] || String(kind || '').replace(/_/g, ' ');
const STATE_ORDER = { stopped: 0, met: 1, running: 2, warning: 3, breached: 4 };

const ms = (iso) => { const t = Date.parse(iso || ''); return Number.isNaN(t) ? null : t; };

// "45m", "1h 05m", "2d 03h"
export function span(msAbs) {
  const mins = Math.max(0, Math.floor(msAbs / 60000));
  if (mins < 60) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return `${hours}h ${String(mins % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${String(hours % 24).padStart(2, '0')}h`;
}

// "12m left" / "1h 05m left" / "overdue 3m", from milliseconds until the due time.
export function countdown(remainingMs) {
  if (remainingMs > 0) return `${span(Math.ceil(remainingMs / 60000) * 60000)} left`;
  return `overdue ${span(Math.max(60000, -remainingMs))}`;
}

// "10:00" today, "Tue 10:00" within a week, else a date and time.
export function dueLabel(iso) {
  const t = ms(iso);
  if (t === null) return '';
  const d = new Date(t);
  const now = new Date();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return time;
  if (Math.abs(t - now.getTime()) < 6 * 86400000) return `${d.toLocaleDateString([], { weekday: 'short' })} ${time}`;
  return `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

// Whether a target's clock has stopped (the reply or resolution happened, possibly late; resolving
// or closing the ticket stops every clock).
export function stopped(target, ticket) {
  if (!ticket) return false;
  return !!ticket.resolved_at || (target.target === 'first_response' && !!ticket.first_response_at);
}

// A list item's summary from the detail's targets (the same rule as the server's summary()), plus
// `overdue_since`: the earliest due time of a breached target that is still running.
export function summarize(targets, ticket) {
  if (!Array.isArray(targets) || !targets.length) return null;
  const overdue = targets.filter((t) => t.state === 'breached' && !t.paused && !stopped(t, ticket) && ms(t.due_at) !== null)
    .map((t) => ms(t.due_at)).sort((a, b) => a - b)[0];
  const running = targets.filter((t) => (t.state === 'running' || t.state === 'warning') && !t.paused && ms(t.due_at) !== null);
  const worst = targets.reduce((a, t) => ((STATE_ORDER[t.state] ?? 0) > (STATE_ORDER[a] ?? 0) ? t.state : a),
    targets[0].state);
  const next = running.sort((a, b) => ms(a.due_at) - ms(b.due_at))[0] || null;
  return { state: worst, next_due_at: next ? next.due_at : null, next_target: next ? next.target : null,
    paused: targets.some((t) => t.paused), overdue_since: overdue !== undefined ? new Date(overdue).toISOString() : null };
}

// What a summary looks like right now: {state, text} or null (nothing to show, e.g. all met).
export function badgeView(sla, now = Date.now()) {
  if (!sla) return null;
  const due = ms(sla.next_due_at);
  const since = sla.state === 'breached' ? ms(sla.overdue_since) : null; // known from a detail or an sla_alert
  if (since !== null && since <= now) return { state: 'breached', text: countdown(since - now) };
  if (due !== null && due <= now) return { state: 'breached', text: countdown(due - now) };
  if (sla.state === 'breached') {
    // A target was missed (perhaps answered late); another one may still be counting down.
    if (sla.paused && due === null) return { state: 'breached', text: 'breached · paused' };
    return { state: 'breached', text: due !== null ? `breached · ${countdown(due - now)}` : 'breached' };
  }
  if (due !== null) return { state: sla.state === 'warning' ? 'warning' : 'running', text: countdown(due - now) };
  if (sla.paused) return { state: 'paused', text: 'paused' };
  return null;
}

function paintBadge(el, sla) {
  const v = badgeView(sla);
  if (!v) { el.hidden = true; return; }
  el.hidden = false;
  el.className = `badge sla-badge sla-${v.state}`;
  el.dataset.state = v.state;
  el.textContent = v.text;
  const target = sla.next_target ? `${targetName(sla.next_target)} ` : '';
  el.title = sla.next_due_at ? `${target}due ${fullTime(sla.next_due_at)}` : v.state === 'paused'
    ? 'SLA paused while waiting on the customer' : 'SLA breached';
}

// The inbox row badge; it keeps its summary (in data-sla, so the row shows it has changed) for the
// ticker to repaint it without a refetch.
export function badgeEl(sla) {
  if (!badgeView(sla)) return null;
  const el = h('span.badge.sla-badge', { dataset: { testid: 'sla-badge', sla: JSON.stringify(sla) } });
  paintBadge(el, sla);
  return el;
}

export function tickBadges() {
  for (const el of $$('[data-testid="sla-badge"][data-sla]')) paintBadge(el, JSON.parse(el.dataset.sla));
}

// Most urgent first: breached, then the earliest next due time, then SLA without a due time
// (paused or met), then tickets without an SLA. Ties: newest activity first.
export function urgencyKey(t, now = Date.now()) {
  const sla = t.sla;
  if (!sla) return [3, 0];
  const v = badgeView(sla, now);
  const due = ms(sla.next_due_at);
  // Breached: still overdue first (longest overdue first), then by the next due time, then the rest.
  if (v && v.state === 'breached') return [0, ms(sla.overdue_since) ?? due ?? Number.MAX_SAFE_INTEGER];
  if (due !== null) return [1, due];
  return [2, 0];
}

export function compareUrgency(a, b, activity, now = Date.now()) {
  const ka = urgencyKey(a, now);
  const kb = urgencyKey(b, now);
  return ka[0] - kb[0] || ka[1] - kb[1] || activity(b) - activity(a);
}

// ---- the ticket view strip

function targetView(t, now, ticket) {
  const into = ticket && ticket.merged_into;
  // A merge closes its ticket: that stops the clocks, it resolves nothing. A reply that met its
  // target, and a target missed before the merge, stay as they were.
  const kept = t.state === 'breached' || (t.state === 'met' && t.target !== 'resolution');
  if (into && !kept) return { state: 'stopped', text: `stopped: merged into #${into.number}` };
  if (t.state === 'met') return { state: 'met', text: 'met' };
  if (t.state === 'stopped') return { state: 'stopped', text: 'stopped (resolved before it was due)' };
  if (t.state === 'breached' && stopped(t, ticket)) {
    const late = typeof t.remaining_minutes === 'number' ? -t.remaining_minutes * 60000 : 0;
    return { state: 'breached', text: late >= 60000 ? `missed by ${span(late)}` : 'missed' };
  }
  const due = ms(t.due_at);
  if (t.paused) {
    const left = typeof t.remaining_minutes === 'number' ? t.remaining_minutes * 60000 : null;
    return { state: 'paused', text: `paused while waiting on the customer${left !== null ? ` · ${countdown(left)}` : ''}` };
  }
  if (due === null) return { state: t.state, text: t.state };
  const warn = ms(t.warn_at);
  const state = due <= now || t.state === 'breached' ? 'breached'
    : t.state === 'warning' || (warn !== null && warn <= now) ? 'warning' : 'running';
  return { state, text: `due ${dueLabel(t.due_at)} · ${countdown(due - now)}` };
}

export function renderStrip(box, sla, ticket) {
  const targets = (sla && Array.isArray(sla.targets)) ? sla.targets : [];
  if (!targets.length) { box.hidden = true; box.replaceChildren(); return false; }
  const now = Date.now();
  box.hidden = false;
  box.replaceChildren(h('span.sla-strip-label', {}, 'SLA'), ...targets.map((t) => {
    const v = targetView(t, now, ticket);
    return h(`span.sla-target.sla-${v.state}`, {
      dataset: { target: t.target, state: v.state }, title: t.due_at ? `Due ${fullTime(t.due_at)}` : null,
    }, h('strong', {}, targetName(t.target)), ` · ${v.text}`);
  }));
  return true;
}
