// The app chrome's browser side (Layout/AppLayout, Layout/NavMenu): the drawer, the user menu, the theme's mode, the
// sign-out form and the navigation groups' folding. None of them needs the circuit, so they work here without a round
// trip to it, before it starts (the prerendered solution page) and after. Everything is delegated from the document:
// Blazor may replace the chrome's elements (the circuit renders the prerendered page again in its place) and nothing
// here holds on to them.
const root = document.documentElement;
const narrow = window.matchMedia('(max-width: 959.98px)');

// No explicit choice: open on wide screens, closed (not overlaying the page) on narrow ones.
function drawerOpen() {
  const state = root.dataset.gpNav;
  return state ? state === 'open' : !narrow.matches;
}

function syncDrawer() {
  const open = drawerOpen() ? 'true' : 'false';
  for (const toggle of document.querySelectorAll('[data-gp-nav-toggle]')) {
    if (toggle.getAttribute('aria-expanded') !== open) toggle.setAttribute('aria-expanded', open);
  }
}

function setDrawer(open) {
  root.dataset.gpNav = open ? 'open' : 'closed';
  syncDrawer();
}

// The dark mode is a class on the html element, which Blazor never renders: App sets it from the person's cookie, the
// toggle flips it here and writes the cookie (named per person by the layout), and the dark stylesheet keys on it.
const darkClass = 'gp-dark';

function syncTheme() {
  const dark = root.classList.contains(darkClass);
  const label = dark ? 'Switch to the light theme' : 'Switch to the dark theme';
  const title = dark ? 'Light theme' : 'Dark theme';
  for (const toggle of document.querySelectorAll('[data-gp-theme-toggle]')) {
    if (toggle.getAttribute('aria-label') !== label) toggle.setAttribute('aria-label', label);
    if (toggle.getAttribute('title') !== title) toggle.setAttribute('title', title);
  }
}

function toggleTheme(toggle) {
  const dark = !root.classList.contains(darkClass);
  root.classList.toggle(darkClass, dark);
  const cookie = toggle.dataset.gpThemeCookie;
  if (cookie) {
    const secure = window.location.protocol === 'https:' ? '; secure' : '';
    document.cookie = `${cookie}=${dark ? 'dark' : 'light'}; path=/; max-age=31536000; samesite=lax${secure}`;
  }
  syncTheme();
}

// Folded navigation groups, per browser. A group is folded again as soon as it is drawn (the observer below runs before
// the browser paints what Blazor inserted), and only then: folding it again on every change would undo a click whose
// toggle event has not been handled yet.
const foldedKey = 'gp.nav.folded';
const seenGroups = new WeakSet();

function foldedGroups() {
  try {
    const stored = JSON.parse(window.localStorage.getItem(foldedKey) ?? '[]');
    return new Set(Array.isArray(stored) ? stored : []);
  } catch {
    return new Set();
  }
}

function applyFolds() {
  let folded = null;
  for (const group of document.querySelectorAll('details[data-gp-group]')) {
    if (seenGroups.has(group)) continue;
    seenGroups.add(group);
    folded ??= foldedGroups();
    if (folded.has(group.dataset.gpGroup)) group.open = false;
  }
}

function rememberFold(group) {
  const folded = foldedGroups();
  if (group.open) folded.delete(group.dataset.gpGroup);
  else folded.add(group.dataset.gpGroup);
  try {
    window.localStorage.setItem(foldedKey, JSON.stringify([...folded]));
  } catch {
    // Storage refused (private mode, quota): the group still folds, it is just not remembered.
  }
}

function menuOf(button) {
  return document.getElementById(button.getAttribute('aria-controls'));
}

function items(list) {
  return [...list.querySelectorAll('[role=menuitem]:not([aria-disabled=true])')];
}

function openMenu(button, focus) {
  const list = menuOf(button);
  if (!list) return;
  list.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  const all = items(list);
  if (focus === 'first') all[0]?.focus();
  if (focus === 'last') all[all.length - 1]?.focus();
}

function closeMenu(button, refocus) {
  const list = menuOf(button);
  if (list) list.hidden = true;
  button.setAttribute('aria-expanded', 'false');
  if (refocus) button.focus();
}

function closeMenus(except) {
  for (const button of document.querySelectorAll('[data-gp-menu] > [aria-expanded=true]')) {
    if (button !== except) closeMenu(button, false);
  }
}

// Capture phase: this runs before Blazor's own click handling, so a link marked data-gp-reload (a static page) is loaded
// in full instead of being routed inside the circuit (Blazor leaves a click whose default was prevented alone).
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  const reload = target.closest('a[data-gp-reload]');
  if (reload && event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey) {
    event.preventDefault();
    window.location.assign(reload.href);
    return;
  }
  const menuButton = target.closest('[data-gp-menu] > [aria-haspopup]');
  if (menuButton) {
    closeMenus(menuButton);
    if (menuButton.getAttribute('aria-expanded') === 'true') {
      closeMenu(menuButton, false);
    } else {
      // detail 0: pressed with Enter or Space, so the keyboard goes into the menu.
      openMenu(menuButton, event.detail === 0 ? 'first' : null);
    }
    return;
  }
  // A choice in a menu, or a click anywhere else, closes the open menus (the choice's own handler still runs).
  closeMenus(null);
  if (target.closest('[data-gp-nav-toggle]')) {
    setDrawer(!drawerOpen());
  } else if (target.closest('[data-gp-theme-toggle]')) {
    toggleTheme(target.closest('[data-gp-theme-toggle]'));
  } else if (target.closest('[data-gp-nav-close]')) {
    setDrawer(false);
  } else if (narrow.matches && drawerOpen() && target.closest('#gp-drawer a[href]')) {
    // Overlaying the page, the drawer gets out of the way of the page just chosen.
    setDrawer(false);
  }
}, true);

document.addEventListener('keydown', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  const menuButton = target.closest('[data-gp-menu] > [aria-haspopup]');
  if (menuButton && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
    event.preventDefault();
    openMenu(menuButton, event.key === 'ArrowDown' ? 'first' : 'last');
    return;
  }
  if (menuButton && event.key === 'Escape' && menuButton.getAttribute('aria-expanded') === 'true') {
    event.preventDefault();
    closeMenu(menuButton, false);
    return;
  }
  const list = target.closest('[role=menu]');
  if (list) {
    const button = document.querySelector(`[aria-controls="${list.id}"]`);
    const all = items(list);
    const at = all.indexOf(target);
    const move = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[event.key];
    if (move !== undefined && all.length) {
      event.preventDefault();
      all[(move + all.length) % all.length].focus();
    } else if (event.key === 'Escape' && button) {
      event.preventDefault();
      closeMenu(button, true);
    } else if (event.key === 'Tab' && button) {
      closeMenu(button, false);
    }
    return;
  }
  if (event.key === 'Escape' && narrow.matches && drawerOpen()) {
    setDrawer(false);
    document.querySelector('[data-gp-nav-toggle]')?.focus();
  }
});

// Sign-out is a plain form POST to the Web's endpoint; the page's antiforgery token goes with it.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches('[data-gp-sign-out]')) return;
  let field = form.querySelector('input[name="__RequestVerificationToken"]');
  if (!field) {
    field = document.createElement('input');
    field.type = 'hidden';
    field.name = '__RequestVerificationToken';
    form.append(field);
  }
  field.value = document.querySelector('meta[name="gp-antiforgery"]')?.content ?? '';
}, true);

// The toggle event does not bubble, hence the capture phase. It also comes after a group was folded again on drawing,
// which leaves the stored state as it was.
document.addEventListener('toggle', (event) => {
  if (event.target instanceof HTMLDetailsElement && event.target.matches('details[data-gp-group]')) rememberFold(event.target);
}, true);

// Crossing the breakpoint returns to that width's default.
narrow.addEventListener('change', () => {
  delete root.dataset.gpNav;
  syncDrawer();
});

// The toggles' aria-expanded and labels and the groups' folding are the browser's state: set them again whenever Blazor
// renders new elements (the app's first render, the circuit replacing the prerendered page).
function syncChrome() {
  syncDrawer();
  syncTheme();
  applyFolds();
}

new MutationObserver(syncChrome).observe(document.body, { childList: true, subtree: true });
syncChrome();
