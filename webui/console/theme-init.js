// Applies the remembered theme before first paint (no inline scripts under the CSP).
(function () {
  try {
    var t = localStorage.getItem('hearth.theme');
    if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
  } catch (e) { /* storage blocked: follow the system theme */ }
})();
