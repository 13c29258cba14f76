// Sets data-theme before first paint (no inline scripts under the CSP): the theme the user chose,
// else the system's, followed while the user has not chosen. console.css styles data-theme only.
(function () {
  var root = document.documentElement;
  var system = matchMedia('(prefers-color-scheme: dark)');
  function chosen() {
    try {
      var t = localStorage.getItem('hearth.theme');
      return t === 'light' || t === 'dark' ? t : null;
    } catch (e) { return null; /* storage blocked: follow the system theme */ }
  }
  function apply() { root.setAttribute('data-theme', chosen() || (system.matches ? 'dark' : 'light')); }
  apply();
  system.addEventListener('change', apply);
})();
