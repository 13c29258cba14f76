/* Hearth embed loader: <script src="https://HOST/widget.js" data-company="SLUG" async></script>
   Adds a chat bubble in the company's widget colour (read from HOST/chat/SLUG/look.json; data-color="#hex"
   on the tag overrides it) and, on first open, an iframe panel to HOST/chat/SLUG?embed=1.
   An unknown company gets no bubble.
   Everything lives in a shadow root of a <hearth-widget> element: no globals, no page styles touched.
   Only messages from the widget's own iframe and origin are accepted. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.getAttribute('data-company')) {
    script = null;
    var tags = document.querySelectorAll('script[data-company]');
    for (var i = tags.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(tags[i].src)) { script = tags[i]; break; }
    }
  }
  if (!script) return;
  var slug = (script.getAttribute('data-company') || '').trim();
  var origin;
  try { origin = new URL(script.src, location.href).origin; } catch (e) { return; }
  if (!slug || !origin || origin === 'null') return;
  var DEFAULT_COLOR = '#2563eb';
  var override = (script.getAttribute('data-color') || '').trim();

  var CSS_TEXT = [
    ':host{all:initial}',
    '[hidden]{display:none!important}',
    '.bubble{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;',
    'border:0;border-radius:50%;padding:0;cursor:pointer;background:var(--hearth-color);color:var(--hearth-on-color);',
    'box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;',
    'transition:transform .15s ease}',
    '.bubble:hover{transform:scale(1.06)}',
    '.bubble:focus-visible{outline:3px solid #111827;outline-offset:3px}',
    '.bubble svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}',
    '.panel{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:min(380px,calc(100vw - 40px));',
    'height:min(600px,calc(100vh - 110px));border-radius:16px;overflow:hidden;background:#fff;',
    'box-shadow:0 12px 40px rgba(0,0,0,.3);animation:hearth-in .18s ease-out}',
    '.panel iframe{display:block;width:100%;height:100%;border:0}',
    '@keyframes hearth-in{from{opacity:0;transform:translateY(8px)}to{opacity:1;transform:none}}',
    '@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}',
    '.open .bubble{display:none}}',
    '@media (prefers-color-scheme:dark){.panel{background:#121826}}',
    '@media (prefers-reduced-motion:reduce){.bubble,.panel{transition:none;animation:none}}'
  ].join('');

  function isColor(c) {
    return typeof c === 'string' && c !== '' && !!(window.CSS && CSS.supports && CSS.supports('color', c));
  }

  // Dark icon on a light colour, as the chat page does for its own accent (only a #hex can be weighed).
  function onColor(color) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
    if (!m) return '#ffffff';
    var h = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    var lum = [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2] > 0.179 ? '#111827' : '#ffffff';
  }

  // The company's look, {name, widget_color}, handed to `done`; {} when it cannot be read (the page's CSP
  // refuses the request, the network fails): the bubble then has the default colour. Not called at all
  // for an unknown company: no bubble that would open a chat that does not exist.
  function lookUp(done) {
    if (typeof window.fetch !== 'function') { done({}); return; }
    var UNKNOWN = {};
    fetch(origin + '/chat/' + encodeURIComponent(slug) + '/look.json', { credentials: 'omit' })
      .then(function (r) { return r.status === 404 ? UNKNOWN : r.ok ? r.json() : {}; })
      .catch(function () { return {}; })
      .then(function (look) {
        if (look !== UNKNOWN) { done(look && typeof look === 'object' ? look : {}); return; }
        if (window.console) console.warn('Hearth: there is no chat for the company "' + slug
          + '"; check data-company in the embed snippet (Admin → Settings in the console shows it).');
      });
  }

  function mount(look) {
    if (document.querySelector('hearth-widget')) return; // included twice: the first one wins
    var color = isColor(override) ? override : isColor(look.widget_color) ? look.widget_color : DEFAULT_COLOR;
    var label = typeof look.name === 'string' && look.name ? 'Chat with ' + look.name : 'Chat with us';
    var host = document.createElement('hearth-widget');
    host.setAttribute('data-company', slug);
    var root = host.attachShadow({ mode: 'open' });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS_TEXT);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      var style = document.createElement('style');
      style.textContent = CSS_TEXT;
      root.appendChild(style);
    }
    var wrap = document.createElement('div');
    wrap.style.setProperty('--hearth-color', color);
    wrap.style.setProperty('--hearth-on-color', onColor(color));

    var bubble = document.createElement('button');
    bubble.type = 'button';
    bubble.className = 'bubble';
    bubble.setAttribute('data-testid', 'hearth-bubble');
    bubble.setAttribute('aria-label', label);
    bubble.setAttribute('aria-expanded', 'false');
    bubble.setAttribute('aria-controls', 'hearth-panel');
    var svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    svg.appendChild(path);
    bubble.appendChild(svg);

    var panel = document.createElement('div');
    panel.className = 'panel';
    panel.id = 'hearth-panel';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', 'Chat');
    panel.hidden = true;

    var frame = null, frameLoaded = false;
    var ICON_CHAT = 'M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z';
    var ICON_CLOSE = 'M18 6 6 18M6 6l12 12';

    function isOpen() { return !panel.hidden; }
    // Before its page has loaded, the iframe holds about:blank: a message posted then is refused.
    function focusChat() { if (frameLoaded) frame.contentWindow.postMessage({ type: 'hearth:focus' }, origin); }
    function setOpen(open) {
      if (open && !frame) {
        frame = document.createElement('iframe');
        frame.setAttribute('data-testid', 'hearth-frame');
        frame.title = label;
        frame.src = origin + '/chat/' + encodeURIComponent(slug) + '?embed=1';
        frame.addEventListener('load', function () { frameLoaded = true; if (isOpen()) focusChat(); });
        panel.appendChild(frame);
      }
      panel.hidden = !open;
      wrap.className = open ? 'open' : '';
      bubble.setAttribute('aria-expanded', open ? 'true' : 'false');
      path.setAttribute('d', open ? ICON_CLOSE : ICON_CHAT);
      if (open) {
        frame.focus();
        focusChat();
      }
    }

    bubble.addEventListener('click', function () { setOpen(!isOpen()); });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && isOpen()) { setOpen(false); bubble.focus(); }
    });
    window.addEventListener('message', function (e) {
      if (e.origin !== origin || !frame || e.source !== frame.contentWindow) return;
      if (e.data && e.data.type === 'hearth:close') { setOpen(false); bubble.focus(); }
    });

    path.setAttribute('d', ICON_CHAT);
    wrap.appendChild(panel);
    wrap.appendChild(bubble);
    root.appendChild(wrap);
    document.body.appendChild(host);
  }

  lookUp(function (look) {
    if (document.body) mount(look);
    else document.addEventListener('DOMContentLoaded', function () { mount(look); });
  });
})();
