// Grading runs: the live progress stream of a run page, the start form's workflow-dependent fields, and confirmations.

const streams = new WeakMap();

/** Opens the run's event stream (server-sent events) and swaps each progress update into the container. */
function follow(container) {
  const url = container.dataset.gpRunEvents;
  if (!url || streams.has(container) || !window.EventSource) {
    return;
  }
  const source = new EventSource(url);
  streams.set(container, source);
  container.dataset.gpLive = 'connecting';
  source.addEventListener('open', () => {
    container.dataset.gpLive = 'open';
  });
  source.addEventListener('progress', (event) => {
    // The HTML is rendered by our own server from the Api's numbers (Razor-encoded), like any htmx fragment.
    container.innerHTML = event.data;
    if (window.htmx) {
      window.htmx.process(container);
    }
  });
  source.addEventListener('done', () => {
    container.dataset.gpLive = 'done';
    source.close();
    streams.delete(container);
  });
}

/** Shows the rubric-design and approval fields only for workflows that use them. */
function syncWorkflow(form) {
  const select = form.querySelector('[data-gp-workflow]');
  if (!select) {
    return;
  }
  const option = select.selectedOptions[0];
  const designs = (option?.dataset.designs ?? '').split(',').filter((d) => d.length > 0);
  const designGroup = form.querySelector('[data-gp-designs]');
  if (designGroup) {
    designGroup.hidden = designs.length === 0;
    designGroup.querySelectorAll('select').forEach((s) => {
      s.disabled = designs.length === 0;
    });
  }
  const approval = form.querySelector('[data-gp-approval]');
  if (approval) {
    approval.hidden = option?.dataset.derives !== 'true';
  }
  // Only the selected workflow's grading prompts; the group hides when it has nothing to choose.
  const prompts = form.querySelector('[data-gp-prompts]');
  if (prompts) {
    const choice = prompts.querySelector('select');
    const own = [...choice.options].filter((o) => o.dataset.workflow === select.value);
    [...choice.options].forEach((o) => {
      o.hidden = o.dataset.workflow !== select.value;
      o.disabled = o.hidden;
    });
    prompts.hidden = own.length === 0;
    choice.disabled = own.length === 0;
    if (own.length > 0 && !own.includes(choice.selectedOptions[0])) {
      choice.value = own[0].value;
    }
  }
}

export function initRuns(root) {
  root.querySelectorAll('[data-gp-run-events]').forEach(follow);
  root.querySelectorAll('form [data-gp-workflow]').forEach((select) => syncWorkflow(select.form));
}

export function installRuns() {
  document.addEventListener('change', (event) => {
    if (event.target.matches?.('[data-gp-workflow]')) {
      syncWorkflow(event.target.form);
    }
  });
  document.addEventListener('submit', (event) => {
    const message = event.target.dataset?.gpConfirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
}
