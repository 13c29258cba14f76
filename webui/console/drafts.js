// Reply drafts, one per ticket, of the person logged in. Kept in this tab's sessionStorage as well as
// in memory, so a reload brings a half-written reply back: the MAX_DRAFTS most recently written, each
// stored up to MAX_CHARS characters. Forgotten when sent and at logout; sessionStorage ends with the tab.
const KEY = 'hearth.drafts';
const MAX_DRAFTS = 50;
const MAX_CHARS = 20000; // far above the longest reply the server takes

const items = new Map(); // ticket id (string) -> {body, private}, least recently written first
let owner = null; // the user id the drafts belong to
let timer = null;

function write() {
  clearTimeout(timer);
  timer = null;
  try {
    if (owner === null || !items.size) sessionStorage.removeItem(KEY);
    else {
      const stored = [...items].map(([id, d]) => [id, { body: d.body.slice(0, MAX_CHARS), private: d.private }]);
      sessionStorage.setItem(KEY, JSON.stringify({ user: String(owner), items: stored }));
    }
  } catch { /* storage full or blocked: kept in memory only */ }
}

// Typing writes often: store a moment later (and at once when the page goes away).
function writeSoon() {
  clearTimeout(timer);
  timer = setTimeout(write, 400);
}
window.addEventListener('pagehide', () => { if (timer) write(); });

export function getDraft(ticketId) {
  return items.get(String(ticketId)) || null;
}

// An empty body forgets the ticket's draft.
export function setDraft(ticketId, body, priv) {
  const id = String(ticketId);
  const had = items.delete(id); // written now: it goes last, the oldest go first
  if (!body && !had) return;
  if (body) items.set(id, { body, private: !!priv });
  while (items.size > MAX_DRAFTS) items.delete(items.keys().next().value);
  writeSoon();
}

// Sent: gone at once, so a reload right after does not bring it back.
export function dropDraft(ticketId) {
  if (items.delete(String(ticketId))) write();
}

// A session starts for `userId`. After a reload, this tab's stored drafts come back if they are this
// person's; drafts kept through an expired session stay only for the same person.
export function startDrafts(userId) {
  if (owner === null) {
    try {
      const saved = JSON.parse(sessionStorage.getItem(KEY));
      if (saved && saved.user === String(userId) && Array.isArray(saved.items)) {
        for (const [id, d] of saved.items.slice(-MAX_DRAFTS)) {
          if (d && typeof d.body === 'string' && d.body) items.set(String(id), { body: d.body, private: !!d.private });
        }
      }
    } catch { /* nothing stored, or not readable */ }
  } else if (String(owner) !== String(userId)) items.clear();
  owner = userId;
  write();
}

// Logout: forget them all.
export function clearDrafts() {
  items.clear();
  write();
}
