/* Hearth customer chat widget. Plain JS, no dependencies besides the Socket.IO client (global `io`).
   Message bodies and names are only ever written with textContent, never parsed as HTML. */
(function () {
  'use strict';

  var MAX_LEN = 5000;
  var COUNTER_FROM = 4500;       // show the character counter from this length on
  var CITATION = /\[\d{1,2}\]/;     // an answer's reference to its sources, as [1]
  var TYPING_IDLE_MS = 3000;     // send typing:false after this long without input
  var AGENT_TYPING_MS = 15000;   // hide a stale agent "typing…" if no update arrives
  var ACK_TIMEOUT_MS = 20000;
  var STREAM_STALE_MS = 120000;  // drop a streamed answer that neither grows nor completes for this long
  var STATUS_TEXT = {
    resolved: 'This conversation was marked resolved. Send a message if you need more help.',
    closed: 'This conversation was closed. Send a message if you need more help.',
    pending: 'We are waiting for your reply.',
    open: 'This conversation was reopened.'
  };

  var $ = function (id) { return document.getElementById(id); };
  var app = $('hw-app'), title = $('hw-title'), statusEl = $('hw-status'), list = $('hw-messages');
  var typingEl = $('hw-typing'), form = $('hw-composer'), input = $('hw-input');
  var counter = $('hw-counter'), closeBtn = $('hw-close');
  var solvedBar = $('hw-solved'), solvedBtn = $('hw-solved-yes');
  var ratingForm = $('hw-rating'), ratingError = $('hw-rating-error'), ratingThanks = $('hw-rating-thanks');

  var params = new URLSearchParams(location.search);
  var embedded = params.get('embed') === '1';
  var segments = location.pathname.split('/').filter(Boolean);
  var slug = segments.length ? safeDecode(segments[segments.length - 1]) : '';
  var tokenKey = 'hearth:visitor:' + slug;
  // The visitor token never leaves this frame: any site may frame the chat, and a page holding the token
  // could read the conversation. Where the browser blocks this frame's storage (third-party), an
  // embedded chat starts afresh on each page load.
  var token = storeGet(tokenKey);
  var reduceMotion = window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches;

  var socket = null, greetingEl = null, customerId = null;
  var current = { ticketId: null, status: null }; // the ticket the status notices are about
  var rated = {};                                 // ticket_id -> true once the customer rated it
  var finishedStreams = {};                       // stream_id -> true once its final message is shown
  var typingSent = false, typingTimer = 0, agentTypingTimer = 0, retriedWithoutToken = false;

  function safeDecode(s) { try { return decodeURIComponent(s); } catch (e) { return s; } }
  function storeGet(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function storeSet(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* storage blocked */ } }

  function uuid() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') { try { return c.randomUUID(); } catch (e) { /* insecure context */ } }
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }

  function setStatus(state, text) {
    statusEl.setAttribute('data-state', state);
    statusEl.textContent = text;
    app.setAttribute('data-connection', state);
  }

  // ---- colours -----------------------------------------------------------------------------------
  function applyColor(color) {
    if (typeof color !== 'string' || !/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color.trim())) return;
    var h = color.trim().slice(1);
    if (h.length === 3) h = h.replace(/./g, '$&$&');
    var lum = [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var L = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    var root = document.documentElement.style;
    root.setProperty('--hw-accent', '#' + h);
    root.setProperty('--hw-on-accent', L > 0.179 ? '#111827' : '#ffffff');
  }

  // ---- rendering ---------------------------------------------------------------------------------
  function formatTime(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) return '';
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function nearBottom() { return list.scrollHeight - list.scrollTop - list.clientHeight < 80; }
  function scrollToEnd() {
    list.scrollTo({ top: list.scrollHeight, behavior: reduceMotion ? 'auto' : 'smooth' });
  }

  function authorLabel(role, name) {
    if (role === 'customer') return 'You';
    if (name) return name;
    return role === 'ai' ? 'Assistant' : role === 'system' ? 'System' : 'Support';
  }

  // Build one message <li>. m: {id?, author_role, author_name?, body, created_at?}
  function buildMessage(m) {
    var role = ['customer', 'agent', 'ai', 'system'].indexOf(m.author_role) >= 0 ? m.author_role : 'agent';
    var li = el('li', 'hw-msg hw-msg--' + role);
    li.setAttribute('data-testid', 'widget-message');
    li.setAttribute('data-author-role', role);
    if (m.id != null) li.setAttribute('data-message-id', String(m.id));
    if (m.stream_id) li.setAttribute('data-stream-id', String(m.stream_id));
    var hidden = role === 'customer' || role === 'system'; // a notice needs no visible author
    var author = el('span', 'hw-author' + (hidden ? ' hw-sr' : ''), authorLabel(role, m.author_name));
    if (role === 'ai') author.appendChild(el('span', 'hw-tag', 'AI'));
    var body = el('p', 'hw-body', m.body == null ? '' : m.body);
    body.setAttribute('dir', 'auto'); // Arabic or Hebrew text reads right to left
    var meta = el('p', 'hw-meta');
    var time = el('time', null, formatTime(m.created_at));
    if (m.created_at) time.setAttribute('datetime', m.created_at);
    meta.appendChild(time);
    meta.appendChild(el('span', 'hw-state'));
    li.appendChild(author); li.appendChild(body);
    var sources = role === 'ai' ? sourcesText(m.sources, m.body) : '';
    if (sources) {
      var src = el('p', 'hw-sources', sources);
      src.setAttribute('data-testid', 'widget-sources');
      li.appendChild(src);
    }
    li.appendChild(meta);
    return li;
  }

  // "Sources: Title A · Title B" (titles only, each once), or '' when there are none. An answer that
  // cites its sources as [1], [2]… gets them numbered in that order: "Sources: [1] Title A · [2] Title B".
  function sourcesText(sources, body) {
    if (!Array.isArray(sources)) return '';
    var numbered = CITATION.test(body || ''), seen = {}, titles = [];
    sources.forEach(function (s, i) {
      var t = s && typeof s.title === 'string' ? s.title.trim() : '';
      if (numbered && t) titles.push('[' + (i + 1) + '] ' + t);
      else if (t && !seen[t]) { seen[t] = true; titles.push(t); }
    });
    return titles.length ? 'Sources: ' + titles.join(' · ') : '';
  }

  // ---- AI answers streamed token by token -----------------------------------------------------------
  // A streamed bubble is an <li data-stream-id> without data-message-id; the final `message` with the
  // same stream_id replaces it. It is aria-busy while it grows so screen readers read the final answer once.
  function streamBubble(streamId, create) {
    var li = list.querySelector('li[data-stream-id="' + cssEscape(streamId) + '"]:not([data-message-id])');
    if (li || !create) return li;
    li = buildMessage({ author_role: 'ai', author_name: 'Assistant', body: '' });
    li.setAttribute('data-stream-id', String(streamId));
    li.setAttribute('aria-busy', 'true');
    li.classList.add('hw-msg--streaming');
    setThinking(li);
    // the AI answers a message the server has: place it after our in-flight bubbles, before queued ones
    insertIncoming(li, false, '[data-client-id]:not([data-message-id]):not([data-state="sending"])');
    return li;
  }

  function setThinking(li) {
    li.hwText = '';
    var body = li.querySelector('.hw-body');
    body.textContent = '';
    var dots = body.appendChild(el('span', 'hw-thinking'));
    dots.setAttribute('aria-hidden', 'true');
    for (var i = 0; i < 3; i++) dots.appendChild(el('span'));
    li.setAttribute('data-state', 'thinking');
    li.querySelector('.hw-state').textContent = 'Thinking…';
  }

  function touchStream(li) {
    clearTimeout(li.hwStale);
    li.hwStale = setTimeout(function () { if (!li.hasAttribute('data-message-id')) li.remove(); }, STREAM_STALE_MS);
  }

  function onAiToken(ev) {
    if (!ev || ev.stream_id == null || typeof ev.delta !== 'string' || finishedStreams[ev.stream_id]) return;
    showAgentTyping(false);
    var stick = nearBottom();
    var li = streamBubble(ev.stream_id, true);
    li.hwText = (li.hwText || '') + ev.delta;
    li.querySelector('.hw-body').textContent = li.hwText;
    if (li.getAttribute('data-state') !== 'streaming') {
      li.setAttribute('data-state', 'streaming');
      li.querySelector('.hw-state').textContent = 'Writing…';
    }
    touchStream(li);
    if (stick) list.scrollTop = list.scrollHeight; // no smooth scrolling per token
  }

  function onAiReset(ev) {
    if (!ev || ev.stream_id == null || finishedStreams[ev.stream_id]) return;
    var li = streamBubble(ev.stream_id, true);
    setThinking(li);
    touchStream(li);
  }

  // The AI handed over (e.g. it failed mid-answer) or a person answered: drop bubbles that will never be
  // finished, and any late tokens of theirs.
  function dropStreams() {
    Array.prototype.forEach.call(list.querySelectorAll('li[data-stream-id]:not([data-message-id])'), function (li) {
      finishedStreams[li.getAttribute('data-stream-id')] = true;
      clearTimeout(li.hwStale);
      li.remove();
    });
  }

  function append(node, force) {
    var stick = force || nearBottom();
    list.appendChild(node);
    if (stick) scrollToEnd();
  }

  // A notice at the end of the conversation, or right after the node `after` (null: before everything).
  function notice(text, after) {
    var li = el('li', 'hw-notice', text);
    li.setAttribute('data-testid', 'widget-notice');
    if (after === undefined) append(li, true);
    else list.insertBefore(li, after ? after.nextSibling : list.firstChild);
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(String(value)) : String(value).replace(/["\\]/g, '\\$&');
  }

  function byAttr(name, value) {
    return list.querySelector('[' + name + '="' + cssEscape(value) + '"]');
  }

  function setGreeting(text) {
    if (!text) { if (greetingEl) { greetingEl.remove(); greetingEl = null; } return; }
    if (!greetingEl) {
      greetingEl = el('li', 'hw-msg hw-msg--agent hw-greeting');
      greetingEl.setAttribute('data-testid', 'widget-greeting');
      greetingEl.appendChild(el('span', 'hw-author', title.textContent));
      greetingEl.appendChild(el('p', 'hw-body'));
      list.insertBefore(greetingEl, list.firstChild);
    }
    greetingEl.firstChild.textContent = title.textContent;
    greetingEl.lastChild.textContent = text;
  }

  // ---- own messages: sending / sent / failed / queued --------------------------------------------
  function setState(li, state, errorText) {
    li.setAttribute('data-state', state);
    var s = li.querySelector('.hw-state');
    s.textContent = '';
    if (state === 'sending') s.textContent = 'Sending…';
    else if (state === 'queued') s.textContent = 'Waiting for connection…';
    else if (state === 'sent') s.textContent = 'Sent';
    else if (state === 'failed') {
      var err = el('span', 'hw-error', 'Not sent: ' + (errorText || 'something went wrong.'));
      err.setAttribute('role', 'alert');
      var retry = el('button', 'hw-retry', 'Retry');
      retry.type = 'button';
      retry.addEventListener('click', function () { deliver(li); input.focus(); });
      s.appendChild(err); s.appendChild(document.createTextNode(' ')); s.appendChild(retry);
    }
  }

  // The server answered message `id` for our pending element `li`. If that id is already on screen
  // (the echo arrived first, or the conversation was restored), keep one element only.
  function confirm(li, id) {
    var other = byAttr('data-message-id', id);
    if (other && other !== li) {
      if (!other.hasAttribute('data-client-id')) {
        other.setAttribute('data-client-id', li.getAttribute('data-client-id'));
        li.remove();
        li = other;
      } else {
        other.removeAttribute('data-message-id'); // it adopted the wrong twin; its own ack will fix it
      }
    }
    li.setAttribute('data-message-id', String(id));
    setState(li, 'sent');
  }

  function deliver(li) {
    if (!li.isConnected || li.hwInFlight) return;
    if (!socket || !socket.connected) { setState(li, 'queued'); return; } // flushed on next session
    setState(li, 'sending');
    li.hwInFlight = true;
    var payload = { text: li.hwText, client_id: li.getAttribute('data-client-id') };
    socket.timeout(ACK_TIMEOUT_MS).emit('customer_message', payload, function (err, res) {
      li.hwInFlight = false;
      if (err) {
        if (!socket.connected) setState(li, 'queued'); // dropped: resent with the same client_id
        else setState(li, 'failed', 'the server did not answer.');
        return;
      }
      if (res && res.ok) confirm(li, res.message_id);
      else if (res && res.error && res.error.status === 429) {
        // too fast for the server's limits: send it again when it says (same client_id: stored once)
        setState(li, 'sending');
        setTimeout(function () { if (socket && socket.connected) deliver(li); },
                   Math.max(1, res.error.retry_after || 1) * 1000);
      }
      else setState(li, 'failed', res && res.error && res.error.message);
    });
  }

  function flushQueue() {
    var pending = list.querySelectorAll('[data-state="queued"], [data-state="sending"]');
    Array.prototype.forEach.call(pending, deliver);
  }

  function send() {
    var text = input.value;
    if (!text.trim() || text.length > MAX_LEN) return;
    offerSolved(false);
    ratingForm.hidden = true;
    ratingThanks.hidden = true;
    var li = buildMessage({ author_role: 'customer', body: text });
    li.setAttribute('data-client-id', uuid());
    li.hwText = text;
    append(li, true);
    input.value = '';
    onInputChanged();
    stopTyping();
    deliver(li);
    input.focus();
  }

  // ---- incoming messages ---------------------------------------------------------------------------
  function receive(m) {
    if (!m || m.id == null) return;
    if (m.stream_id) finishedStreams[m.stream_id] = true;
    var streamed = m.stream_id ? streamBubble(m.stream_id, false) : null;
    if (byAttr('data-message-id', m.id)) { if (streamed) streamed.remove(); return; } // already shown
    // A hand-over, or a person answering (an AI answer finished after that stays with the agents):
    // no streamed answer will complete.
    if (m.author_role === 'system' || m.author_role === 'agent') dropStreams();
    if (m.author_role === 'customer') {
      // Our own echo may arrive before the ack: adopt the oldest pending bubble with the same text.
      var pending = list.querySelectorAll('[data-client-id]:not([data-message-id])');
      for (var i = 0; i < pending.length; i++) {
        if (String(pending[i].hwText).trim() === String(m.body).trim()) { confirm(pending[i], m.id); return; }
      }
    } else {
      showAgentTyping(false);
    }
    if (m.author_role === 'ai') offerSolved(fromKnowledgeBase(m));
    else if (m.author_role === 'system' || m.author_role === 'agent') offerSolved(false);
    var li = buildMessage(m);
    if (streamed) {
      // the final text replaces the streamed one in place, without the entry animation
      clearTimeout(streamed.hwStale);
      li.classList.add('hw-msg--settled');
      var stick = nearBottom();
      streamed.replaceWith(li);
      if (stick) list.scrollTop = list.scrollHeight;
      return;
    }
    insertIncoming(li, m.author_role === 'customer');
  }

  // Keep our not-yet-confirmed bubbles last.
  function insertIncoming(li, force, pendingSelector) {
    var firstPending = list.querySelector(pendingSelector || '[data-client-id]:not([data-message-id])');
    if (firstPending) { list.insertBefore(li, firstPending); if (nearBottom()) scrollToEnd(); }
    else append(li, force);
  }

  function onSession(s) {
    s = s || {};
    if (s.visitor_token) { token = s.visitor_token; storeSet(tokenKey, token); }
    var company = s.company || {};
    if (company.name) { title.textContent = company.name; document.title = company.name + ' – Chat'; }
    applyColor(company.widget_color);
    var newCustomer = s.customer && s.customer.id;
    if (customerId != null && newCustomer !== customerId) {
      // a different visitor (token no longer valid): start from a clean slate, keep unsent messages
      Array.prototype.forEach.call(list.querySelectorAll('[data-message-id], .hw-notice'), function (n) { n.remove(); });
      dropStreams();
    }
    customerId = newCustomer;
    setGreeting(company.widget_greeting);
    setStatus('connected', 'Connected');
    form.hidden = false;
    restore(s);
    flushQueue();
  }

  // Show the customer's current conversation (`session`, or the `history` answer after a merge) as they
  // last saw it: its messages merged into what is shown (nothing shown twice), where it stands (the status
  // notice, placed where the conversation was finished) and its rating, asked for or thanked for.
  function restore(c) {
    var ticketId = c.ticket_id == null ? null : c.ticket_id;
    var known = ticketId != null && String(ticketId) === String(current.ticketId);
    var prev = known ? current.status : null; // null: this page has shown nothing of that ticket yet
    current = { ticketId: ticketId, status: c.ticket_status || null };
    if (c.ticket_rated && ticketId != null) rated[ticketId] = true;
    var finishedAt = c.ticket_resolved_at || null;
    var stick = nearBottom(); // a reader scrolled up to older messages stays where they are
    // merge the restored conversation (oldest first) without re-rendering what is already shown
    var msgs = (c.messages || []).slice().sort(function (a, b) {
      return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
    });
    var after = greetingEl, beforeFinish = greetingEl;
    msgs.forEach(function (m) {
      var node = byAttr('data-message-id', m.id);
      if (m.stream_id) {
        finishedStreams[m.stream_id] = true;
        var streamed = streamBubble(m.stream_id, false); // finished while we were away
        if (streamed) { clearTimeout(streamed.hwStale); streamed.remove(); }
      }
      if (!node) {
        node = buildMessage(m);
        list.insertBefore(node, after ? after.nextSibling : list.firstChild);
      }
      after = node;
      if (finishedAt && m.created_at <= finishedAt) beforeFinish = node;
    });
    var last = msgs.length ? msgs[msgs.length - 1] : null;
    offerSolved(!!last && last.author_role === 'ai' && fromKnowledgeBase(last));
    showRating();
    var finished = current.status === 'resolved' || current.status === 'closed';
    statusNotice(current.status, prev, finished && finishedAt ? beforeFinish : undefined);
    if (stick) list.scrollTop = list.scrollHeight;
  }

  // The notice for a ticket's new status (`prev`: the one shown before, null for none: then a finished or
  // pending conversation says where it stands, as it did before a reload), at the end or after `after`.
  function statusNotice(status, prev, after) {
    if (status === prev || !STATUS_TEXT[status]) return;
    // a new ticket, or the AI handing over to a person (the server sends its own notice): nothing to say
    if (status === 'open' && prev !== 'resolved' && prev !== 'closed') return;
    notice(STATUS_TEXT[status], after);
  }

  function onTicketStatus(t) {
    if (!t || !t.status) return;
    if (t.merged_from != null) { followMerge(t); return; }
    // a status of another ticket than the one we knew (a new conversation) has no "previous" status
    var same = t.ticket_id == null || current.ticketId == null || String(t.ticket_id) === String(current.ticketId);
    var prev = same ? current.status : null;
    if (t.status === prev) return;
    current = { ticketId: t.ticket_id == null ? current.ticketId : t.ticket_id, status: t.status };
    if (t.status !== 'bot') offerSolved(false);
    showRating();
    statusNotice(t.status, prev);
  }

  // An agent merged a ticket into another: when it was ours, the conversation carries on in the other, whose
  // whole history (its own messages and the ones merged in) is shown at once, as a reload would show it.
  // Nothing to announce: for the customer it never stopped.
  function followMerge(t) {
    var ours = [t.merged_from, t.ticket_id].some(function (id) { return String(id) === String(current.ticketId); });
    if (!ours) return; // two older tickets merged: not the conversation shown
    current = { ticketId: t.ticket_id, status: t.status };
    if (t.status !== 'bot') offerSolved(false);
    showRating();
    loadHistory();
  }

  // Ask for the current conversation again (while disconnected, the next `session` brings it).
  function loadHistory() {
    if (!socket || !socket.connected) return;
    socket.timeout(ACK_TIMEOUT_MS).emit('history', {}, function (err, res) {
      if (!err && res && res.ok) { restore(res); return; }
      if (res && res.error && res.error.status === 429) { // over the server's limits: ask again when it says
        setTimeout(loadHistory, Math.max(1, res.error.retry_after || 1) * 1000);
      }
    });
  }

  // ---- "did that answer it?" and the rating --------------------------------------------------------
  // After an AI answer from the help articles, the customer may close the conversation as solved (resolved
  // by the AI). Once a conversation is resolved, they are asked for a 1–5 rating and an optional comment, once.

  // An answer from the help articles carries its sources; a greeting or a thank-you answers no question.
  function fromKnowledgeBase(m) { return Array.isArray(m.sources) && m.sources.length > 0; }

  function offerSolved(on) {
    solvedBar.hidden = !(on && current.ticketId != null && current.status === 'bot');
    solvedBtn.disabled = false;
  }

  function markSolved() {
    if (!socket || !socket.connected || current.ticketId == null) return;
    solvedBtn.disabled = true;
    socket.timeout(ACK_TIMEOUT_MS).emit('ai_solved', { ticket_id: current.ticketId }, function (err, res) {
      solvedBtn.disabled = false;
      if (!err && res && res.ok) { offerSolved(false); return; } // ticket_status "resolved" shows the rating
      notice(res && res.error ? res.error.message : 'That did not work. Please try again.');
    });
  }

  // A finished conversation shows the rating form until it is rated, then the thanks (after a reload too).
  function showRating() {
    var finished = current.ticketId != null && (current.status === 'resolved' || current.status === 'closed');
    var ask = finished && !rated[current.ticketId];
    if (ask && ratingForm.hidden) {
      ratingForm.reset();
      ratingError.textContent = '';
    }
    ratingForm.hidden = !ask;
    ratingThanks.hidden = !(finished && rated[current.ticketId]);
  }

  function thank(ticketId) {
    rated[ticketId] = true;
    if (String(ticketId) === String(current.ticketId)) showRating();
  }

  function sendRating(e) {
    e.preventDefault();
    var checked = ratingForm.querySelector('input[name="score"]:checked');
    if (!checked) { ratingError.textContent = 'Choose a score from 1 to 5.'; return; }
    if (!socket || !socket.connected) { ratingError.textContent = 'Not connected. Please try again in a moment.'; return; }
    var ticketId = current.ticketId;
    var data = { ticket_id: ticketId, score: Number(checked.value) };
    var comment = $('hw-rating-comment').value.trim();
    if (comment) data.comment = comment;
    var submit = ratingForm.querySelector('button[type="submit"]');
    submit.disabled = true;
    ratingError.textContent = '';
    socket.timeout(ACK_TIMEOUT_MS).emit('rate', data, function (err, res) {
      submit.disabled = false;
      if (!err && res && res.ok) { thank(ticketId); return; }
      if (res && res.error && res.error.code === 'already_rated') { thank(ticketId); return; } // rated in another tab
      ratingError.textContent = err ? 'The server did not answer. Please try again.'
        : (res && res.error && res.error.message) || 'Your rating was not saved.';
    });
  }

  // ---- typing ------------------------------------------------------------------------------------
  function showAgentTyping(on, name) {
    clearTimeout(agentTypingTimer);
    if (on) {
      typingEl.textContent = (name || 'Support') + ' is typing…';
      typingEl.hidden = false;
      agentTypingTimer = setTimeout(function () { showAgentTyping(false); }, AGENT_TYPING_MS);
    } else {
      typingEl.hidden = true;
      typingEl.textContent = '';
    }
  }

  function emitTyping(on) {
    if (typingSent === on) return;
    typingSent = on;
    if (socket && socket.connected) socket.emit('typing', { typing: on });
  }

  function stopTyping() { clearTimeout(typingTimer); emitTyping(false); }

  function onInputChanged() {
    var len = input.value.length;
    if (len >= COUNTER_FROM) {
      counter.hidden = false;
      counter.textContent = len >= MAX_LEN ? 'Character limit reached (' + MAX_LEN + ').'
        : (MAX_LEN - len) + ' characters left';
      counter.setAttribute('data-over', len >= MAX_LEN ? 'true' : 'false');
    } else {
      counter.hidden = true;
      counter.textContent = '';
    }
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 160) + 'px';
  }

  // ---- connection --------------------------------------------------------------------------------
  function unavailable(text) {
    setStatus('unavailable', text || 'This chat is not available.');
    form.hidden = true;
    showAgentTyping(false);
  }

  function connect() {
    // auth as a function: every reconnect sends the newest token (the first visit has none yet)
    socket = io('/widget', {
      auth: function (cb) { cb(token ? { company: slug, token: token } : { company: slug }); }
    });

    socket.on('session', onSession);
    socket.on('message', receive);
    socket.on('ai_token', onAiToken);
    socket.on('ai_reset', onAiReset);
    socket.on('typing', function (t) {
      if (t && t.author_role !== 'customer') showAgentTyping(!!t.typing, t.name);
    });
    socket.on('ticket_status', onTicketStatus);
    socket.on('rated', function (r) { if (r && r.ticket_id != null) thank(r.ticket_id); });
    socket.on('disconnect', function (reason) {
      typingSent = false;
      showAgentTyping(false);
      if (reason === 'io server disconnect') { // the server ended the session: it will not reconnect by itself
        setStatus('disconnected', 'The chat was disconnected. Reload the page to continue.');
        form.hidden = true;
      }
      else if (reason !== 'io client disconnect') setStatus('reconnecting', 'Connection lost. Reconnecting…');
    });
    socket.on('connect_error', function () {
      if (socket.active) { // network trouble: the client retries by itself
        setStatus('reconnecting', customerId == null ? 'Cannot reach the chat. Retrying…' : 'Connection lost. Reconnecting…');
        return;
      }
      // refused by the server: unknown company (or a visitor token it no longer accepts)
      if (token && !retriedWithoutToken) {
        retriedWithoutToken = true;
        token = null;
        socket.removeAllListeners();
        socket.disconnect();
        connect();
        return;
      }
      unavailable();
    });
    socket.io.on('reconnect_attempt', function () { setStatus('reconnecting', 'Reconnecting…'); });
  }

  // ---- wiring ------------------------------------------------------------------------------------
  function close() { if (window.parent !== window) window.parent.postMessage({ type: 'hearth:close' }, '*'); }

  form.addEventListener('submit', function (e) { e.preventDefault(); send(); });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); send(); }
  });
  input.addEventListener('input', function () {
    onInputChanged();
    if (!input.value) { stopTyping(); return; }
    emitTyping(true);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });
  input.addEventListener('blur', stopTyping);
  solvedBtn.addEventListener('click', markSolved);
  ratingForm.addEventListener('submit', sendRating);
  ratingForm.addEventListener('change', function () { ratingError.textContent = ''; });

  if (embedded) {
    document.documentElement.classList.add('hw-embedded');
    closeBtn.hidden = false;
    closeBtn.addEventListener('click', close);
    document.addEventListener('keydown', function (e) { if (e.key === 'Escape') close(); });
    window.addEventListener('message', function (e) {
      if (e.source === window.parent && e.data && e.data.type === 'hearth:focus') input.focus();
    });
  }

  if (!slug || (segments.length === 1 && slug === 'chat')) { unavailable(); return; }
  if (typeof window.io !== 'function') { unavailable('The chat could not be loaded. Please try again later.'); return; }
  setStatus('connecting', 'Connecting…');
  connect();
  if (embedded || (window.matchMedia && matchMedia('(pointer: fine)').matches)) input.focus();
})();
