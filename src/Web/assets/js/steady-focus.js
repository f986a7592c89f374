// A select's own focus calls reach the browser a round trip after the key that caused them. By then a quick person may
// have tabbed on; focusing the select again would send their next keys (Enter on a button) into it instead.

/**
 * Focuses the select whose hidden input has this id, unless the focus has moved on to something outside the select
 * and its open list.
 */
export function focusUnlessMovedOn(id) {
  const control = document.getElementById(id)?.closest('.mud-select');
  if (!control) {
    return;
  }
  const active = document.activeElement;
  if (active && active !== document.body && !control.contains(active) && !active.closest('.mud-popover')) {
    return;
  }
  control.querySelector('[tabindex="0"]')?.focus();
}
