// Page-wide keyboard shortcuts (documented in the "?" overlay, HelpOverlay.razor). Ignored while typing in a field,
// except Ctrl+Enter, which submits the form the focus is in.
import { annotateSelection, toggleView } from './annotate.js';
import { focusFirstItem, moveItem, setDigit } from './grade.js';

function isTyping(target) {
  if (!(target instanceof Element)) {
    return false;
  }
  if (target.isContentEditable) {
    return true;
  }
  if (target.matches('textarea, select')) {
    return true;
  }
  return target.matches('input') && !target.matches('[type="checkbox"], [type="radio"], [type="button"], [type="submit"], [type="reset"]');
}

function openModal() {
  return document.querySelector('.modal.show');
}

function showHelp() {
  const help = document.getElementById('gp-help');
  if (help && window.bootstrap) {
    window.bootstrap.Modal.getOrCreateInstance(help).show();
  }
}

function follow(selector) {
  const link = document.querySelector(selector);
  if (link && !link.classList.contains('disabled') && link.getAttribute('href') !== '#') {
    window.location.assign(link.href);
  }
}

function submitFocusedForm() {
  const form = document.activeElement?.closest?.('form') ?? openModal()?.querySelector('form');
  if (!form) {
    return false;
  }
  form.requestSubmit();
  return true;
}

export function initKeyboard() {
  document.addEventListener('click', (event) => {
    if (event.target.closest('[data-gp-help]')) {
      showHelp();
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      if (submitFocusedForm()) {
        event.preventDefault();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || isTyping(event.target)) {
      return;
    }
    if (openModal()) {
      return;
    }
    let handled = true;
    switch (event.key) {
      case '?':
        showHelp();
        break;
      case 'j':
        follow('[data-gp-next]');
        break;
      case 'k':
        follow('[data-gp-prev]');
        break;
      case 'a':
        handled = annotateSelection();
        break;
      case 's':
        handled = toggleView();
        break;
      case 'g':
        handled = focusFirstItem();
        break;
      case 'ArrowDown':
        handled = moveItem(1);
        break;
      case 'ArrowUp':
        handled = moveItem(-1);
        break;
      default:
        handled = /^[0-9]$/.test(event.key) && setDigit(Number(event.key));
    }
    if (handled) {
      event.preventDefault();
    }
  });
}
