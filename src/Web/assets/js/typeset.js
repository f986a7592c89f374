// Typesets math on interactive pages. Those pages do not carry KaTeX as a page-wide script (static pages do), so the
// first call adds our copy of it once and waits for it; then math.js does the work with the project's KaTeX options.
import { renderMath } from './math.js';

let loading;

function loadKatex() {
  if (window.katex) {
    return Promise.resolve();
  }
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/lib/katex/katex.min.js';
    script.onload = () => resolve();
    script.onerror = () => {
      loading = undefined;
      reject(new Error('KaTeX did not load'));
    };
    document.head.appendChild(script);
  });
  return loading;
}

// Elements already typeset carry data-rendered and are skipped, so calling this after every render is cheap; Blazor
// replaces the markup of a changed text, which then gets typeset afresh.
export async function typeset(root) {
  if (!root) {
    return;
  }
  await loadKatex();
  renderMath(root);
}
