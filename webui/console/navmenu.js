// A group of top-bar links behind one button (the admin pages), as a disclosure: the button opens
// the list; ArrowDown/ArrowUp open it at the first/last link and move between links, Home/End jump,
// Escape closes and gives focus back to the button; a click elsewhere or Tab away closes it.

export function initNavMenu(button) {
  const group = button.parentElement;
  const menu = document.getElementById(button.getAttribute('aria-controls'));
  const links = () => [...menu.querySelectorAll('a')];

  const open = (focusIndex = null) => {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const items = links();
    if (focusIndex !== null && items.length) items[(focusIndex + items.length) % items.length].focus();
  };
  const close = (refocus = false) => {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  };

  button.addEventListener('click', () => (menu.hidden ? open() : close()));
  button.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      open(e.key === 'ArrowDown' ? 0 : -1);
    } else if (e.key === 'Escape' && !menu.hidden) {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  });
  menu.addEventListener('keydown', (e) => {
    const items = links();
    const at = items.indexOf(document.activeElement);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: -1 };
    if (e.key in moves) {
      e.preventDefault();
      open(moves[e.key]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  });
  menu.addEventListener('click', (e) => { if (e.target.closest('a')) close(); });
  group.addEventListener('focusout', (e) => { if (!group.contains(e.relatedTarget)) close(); });
  document.addEventListener('click', (e) => { if (!group.contains(e.target)) close(); });
}

// Marks the group's button current when one of its links is (route() marks the links).
export function markNavMenus() {
  for (const button of document.querySelectorAll('.nav-group > button')) {
    const menu = document.getElementById(button.getAttribute('aria-controls'));
    button.classList.toggle('active', !!menu.querySelector('a[aria-current="page"]'));
  }
}
