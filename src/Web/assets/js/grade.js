// Keyboard grading: rubric item rows are focusable; a digit gives the focused item that many points (capped at the
// item's maximum) and moves to the next item; arrows move between items.
import { update } from './totals.js';

let current = null;

export function initGrading() {
  document.addEventListener('focusin', (event) => {
    const row = event.target.closest?.('[data-gp-item]');
    if (row) {
      current = row;
    }
  });
  // Clicking a row's text (not its fields) focuses the row, so digits apply to it.
  document.addEventListener('click', (event) => {
    const row = event.target.closest?.('[data-gp-item]');
    if (row && !event.target.closest('input, textarea, select, button, a')) {
      row.focus();
    }
  });
}

function rows() {
  return [...document.querySelectorAll('[data-gp-grade-form] [data-gp-item]')];
}

/** The row digits apply to: the focused row, or (with nothing focused) the last one used. */
function targetRow() {
  const active = document.activeElement;
  if (active?.matches?.('[data-gp-item]')) {
    return active;
  }
  if (!active || active === document.body) {
    return current && document.contains(current) ? current : null;
  }
  return null;
}

export function setDigit(digit) {
  const row = targetRow();
  if (!row) {
    return false;
  }
  const input = row.querySelector('[data-gp-points]');
  const max = Number.parseFloat(row.dataset.gpItemMax);
  input.value = String(Number.isFinite(max) ? Math.min(digit, max) : digit);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  const form = row.closest('form');
  form?.querySelectorAll('[data-gp-total]').forEach(update);
  const all = rows();
  const next = all[all.indexOf(row) + 1];
  if (next) {
    next.focus();
  } else {
    form?.querySelector('[type="submit"]')?.focus();
  }
  return true;
}

export function focusFirstItem() {
  const first = rows()[0];
  if (first) {
    first.focus();
    first.scrollIntoView({ block: 'nearest' });
    return true;
  }
  return false;
}

export function moveItem(delta) {
  const row = targetRow();
  if (!row) {
    return false;
  }
  const all = rows();
  const next = all[all.indexOf(row) + delta];
  next?.focus();
  return Boolean(next);
}
