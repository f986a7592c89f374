// Small status messages in the corner (Bootstrap toasts), for outcomes that have no place in a panel.
export function toast(message, tone = 'secondary') {
  const container = document.getElementById('gp-toasts');
  if (!container || !window.bootstrap) {
    return;
  }
  const element = document.createElement('div');
  element.className = `toast align-items-center text-bg-${tone} border-0`;
  element.setAttribute('role', 'status');
  element.setAttribute('aria-live', 'polite');
  const row = document.createElement('div');
  row.className = 'd-flex';
  const body = document.createElement('div');
  body.className = 'toast-body';
  body.textContent = message;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'btn-close btn-close-white me-2 m-auto';
  close.setAttribute('data-bs-dismiss', 'toast');
  close.setAttribute('aria-label', 'Close');
  row.append(body, close);
  element.append(row);
  container.append(element);
  element.addEventListener('hidden.bs.toast', () => element.remove());
  window.bootstrap.Toast.getOrCreateInstance(element, { delay: 3500 }).show();
}
