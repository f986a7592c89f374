// Running totals: an element with data-gp-total sums the inputs matching its data-gp-sum selector within its form
// and compares the sum with data-gp-max (or the value of the input named by data-gp-max-from).
// data-gp-total-mode="equal" (rubric editors) wants the sum to equal the maximum; otherwise it must not exceed it.
export function installTotals() {
  document.addEventListener('input', (event) => {
    const form = event.target.closest?.('form');
    if (form) {
      form.querySelectorAll('[data-gp-total]').forEach(update);
    }
  });
}

export function initTotals(root) {
  const totals = [...root.querySelectorAll('[data-gp-total]')];
  if (root.matches?.('[data-gp-total]')) {
    totals.unshift(root);
  }
  totals.forEach(update);
}

function number(text) {
  const value = Number.parseFloat(String(text ?? '').replace(',', '.'));
  return Number.isFinite(value) ? value : null;
}

function format(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function update(total) {
  const scope = total.closest('form') ?? document;
  let sum = 0;
  let blanks = 0;
  for (const input of scope.querySelectorAll(total.dataset.gpSum)) {
    const value = number(input.value);
    if (value === null) {
      blanks++;
    } else {
      sum += value;
    }
  }
  let max = number(total.dataset.gpMax) ?? 0;
  const maxSource = total.dataset.gpMaxFrom ? document.querySelector(total.dataset.gpMaxFrom) : null;
  if (maxSource && number(maxSource.value) !== null) {
    max = number(maxSource.value);
  }
  const maxLabel = total.querySelector('[data-gp-total-max]');
  if (maxLabel) {
    maxLabel.textContent = format(max);
  }
  const output = total.querySelector('[data-gp-total-value]');
  if (output) {
    output.textContent = format(sum);
  }
  const equalMode = total.dataset.gpTotalMode === 'equal';
  const over = sum > max;
  const done = equalMode ? sum === max : blanks === 0 && !over;
  total.classList.toggle('gp-total-over', over);
  total.classList.toggle('gp-total-ok', done && !over);
  total.classList.toggle('gp-total-short', equalMode && sum < max);
  const icon = total.querySelector('[data-gp-total-icon]');
  if (icon) {
    icon.className = 'bi ' + (over ? 'bi-exclamation-triangle-fill' : done ? 'bi-check-circle-fill' : 'bi-dash-circle');
  }
}
