// Entry point of Web's scripts (loaded as a module after htmx, Bootstrap, KaTeX and DOMPurify).
import { renderMath } from './math.js';
import { installSanitizer } from './sanitize.js';
import { initTotals, installTotals } from './totals.js';
import { initAnnotator } from './annotate.js';
import { initGrading } from './grade.js';
import { initKeyboard } from './keyboard.js';
import { toast } from './toast.js';

const antiforgery = document.querySelector('meta[name="gp-antiforgery"]')?.content;

// Every htmx request carries the antiforgery token as a header (forms also carry it as a field).
document.body.addEventListener('htmx:configRequest', (event) => {
  if (antiforgery) {
    event.detail.headers.RequestVerificationToken = antiforgery;
  }
});

document.body.addEventListener('htmx:responseError', (event) => {
  const status = event.detail.xhr?.status;
  toast(status === 403 ? 'Your role does not allow this.' : `The request failed (${status}). Reload the page and try again.`, 'danger');
});
document.body.addEventListener('htmx:sendError', () => toast('The server could not be reached. Check your connection.', 'danger'));

installSanitizer();
installTotals();
initAnnotator();
initGrading();
initKeyboard();

function initContent(root) {
  renderMath(root);
  initTotals(root);
}

if (window.htmx) {
  // Runs for the initial page and for every fragment htmx swaps in (including out-of-band panels).
  window.htmx.onLoad(initContent);
} else {
  initContent(document.body);
}
