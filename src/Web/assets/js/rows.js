// Editable lists of rows in server-rendered forms (rubric items, reference solutions): "add" clones the row
// template, "remove" deletes a row, and field names are renumbered (Prefix[0], Prefix[1], ...) so the form binds.
export function initRows(root) {
  const containers = [...root.querySelectorAll('[data-gp-rows]')];
  if (root.matches?.('[data-gp-rows]')) {
    containers.unshift(root);
  }
  for (const container of containers) {
    if (container.dataset.gpRowsReady) {
      continue;
    }
    container.dataset.gpRowsReady = 'true';
    container.addEventListener('click', (event) => onClick(container, event));
  }
}

function onClick(container, event) {
  const list = container.querySelector('.gp-row-list');
  const add = event.target.closest('[data-gp-add-row]');
  if (add && add.closest('[data-gp-rows]') === container) {
    const template = container.querySelector(':scope template[data-gp-row-template]');
    const row = template.content.firstElementChild.cloneNode(true);
    list.append(row);
    renumber(container);
    row.querySelector('input, textarea')?.focus();
    container.dispatchEvent(new Event('input', { bubbles: true }));
    return;
  }
  const remove = event.target.closest('[data-gp-remove-row]');
  if (remove && remove.closest('[data-gp-rows]') === container) {
    remove.closest('[data-gp-row]')?.remove();
    renumber(container);
    container.dispatchEvent(new Event('input', { bubbles: true }));
  }
}

function renumber(container) {
  const prefix = container.dataset.gpPrefix;
  const pattern = new RegExp('^' + prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '\\[(\\d+|__i__)\\]');
  const rows = container.querySelectorAll(':scope .gp-row-list > [data-gp-row]');
  rows.forEach((row, index) => {
    for (const field of row.querySelectorAll('[name]')) {
      field.name = field.name.replace(pattern, `${prefix}[${index}]`);
    }
  });
}
