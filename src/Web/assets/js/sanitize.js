// Second line of defence for user content that arrives through htmx: the server already escapes raw HTML and
// neutralises unsafe links, and the Content Security Policy blocks inline scripts; DOMPurify additionally cleans
// every rendered-Markdown region of a fragment before htmx inserts it. Parsing happens in an inert <template>,
// so nothing in the fragment runs or loads while it is being checked.
export function installSanitizer() {
  document.body.addEventListener('htmx:beforeSwap', (event) => {
    const purify = window.DOMPurify;
    const response = event.detail.serverResponse;
    if (!purify || typeof response !== 'string' || !response.includes('gp-markdown')) {
      return;
    }
    const template = document.createElement('template');
    template.innerHTML = response;
    for (const region of template.content.querySelectorAll('.gp-markdown')) {
      region.innerHTML = purify.sanitize(region.innerHTML, { ADD_ATTR: ['data-s', 'data-e', 'data-ann', 'data-start', 'data-end', 'data-count', 'data-display'] });
    }
    event.detail.serverResponse = template.innerHTML;
  });
}
