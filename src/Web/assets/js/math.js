// Typesets the TeX that the server left in .gp-math elements. trust:false keeps \href, \url and friends inert;
// throwOnError:false shows a broken formula in red instead of failing the page. Proofs are anyone's input: maxSize
// (in em) caps what \rule, \kern and sized delimiters may ask for, so a formula cannot cover the page, and
// maxExpand bounds macro expansion (\def loops) per formula; both are written out rather than left to KaTeX's
// defaults (maxSize has none).
export const options = Object.freeze({
  throwOnError: false,
  trust: false,
  strict: 'ignore',
  output: 'htmlAndMathml',
  maxSize: 10,
  maxExpand: 1000,
});

export function renderMath(root) {
  const katex = window.katex;
  if (!katex || !root) {
    return;
  }
  const elements = [...root.querySelectorAll('.gp-math:not([data-rendered])')];
  if (root.matches?.('.gp-math:not([data-rendered])')) {
    elements.unshift(root);
  }
  for (const element of elements) {
    const tex = element.textContent;
    try {
      katex.render(tex, element, { ...options, displayMode: element.dataset.display === 'true' });
      element.dataset.rendered = 'true';
    } catch {
      element.dataset.rendered = 'failed';
    }
  }
}
