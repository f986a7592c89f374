// The interactive solution page's browser side, loaded through JS interop: typesets the proof's formulas (again after
// every render that replaced them), turns the current selection of the proof into exact source offsets, and sends
// the page's shortcut keys to the circuit. It only touches the elements it is given.
import { renderMath } from './math.js';

async function ensureKatex() {
  if (!window.katex) {
    // The UMD build sets window.katex when loaded as a module (self is its global).
    await import('/lib/katex/katex.min.js');
  }
}

// The HTML parser turns CR LF into LF, so a DOM offset inside a run can be shorter than the source offset.
function domToSource(text, runStart, domOffset) {
  let i = runStart;
  for (let n = 0; n < domOffset && i < text.length; n++) {
    if (text[i] === '\r' && text[i + 1] === '\n') {
      i++;
    }
    i++;
  }
  return i - runStart;
}

function trim(text, start, end) {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  return end > start ? { start, end } : null;
}

// A boundary inside a text run maps to its offset in the run; a typeset formula counts whole, so a selection that
// starts or ends inside one takes the formula's full source.
function mapRange(range, view, text) {
  let start = null;
  let end = null;
  for (const leaf of view.querySelectorAll('[data-s]')) {
    if (!range.intersectsNode(leaf)) continue;
    const s = Number(leaf.dataset.s);
    const e = Number(leaf.dataset.e);
    const isRun = !leaf.classList.contains('gp-math');
    const startsHere = isRun && range.startContainer.nodeType === Node.TEXT_NODE && range.startContainer.parentNode === leaf;
    const endsHere = isRun && range.endContainer.nodeType === Node.TEXT_NODE && range.endContainer.parentNode === leaf;
    if (start === null) start = startsHere ? s + domToSource(text, s, range.startOffset) : s;
    end = endsHere ? s + domToSource(text, s, range.endOffset) : e;
  }
  return start === null ? null : trim(text, start, end);
}

// Where no run carries offsets (code blocks), the selected string is looked up in the touched blocks' source.
function locate(text, from, to, needle) {
  needle = needle.trim();
  if (!needle) return null;
  const at = text.slice(from, to).indexOf(needle);
  return at < 0 ? null : { start: from + at, end: from + at + needle.length };
}

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.matches('textarea, select')) return true;
  return target.matches('input') && !target.matches('[type="checkbox"], [type="radio"], [type="button"], [type="submit"]');
}

export async function attach(root, text, dotnet) {
  await ensureKatex();
  const state = { root, text, dotnet, lastRange: null };
  // root is the rendered proof itself (the element the page hands over).
  const view = () => root;
  state.onSelection = () => {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    const v = view();
    if (v && range.intersectsNode(v)) state.lastRange = range.cloneRange();
  };
  state.span = () => {
    const v = view();
    const selection = window.getSelection();
    let range = selection && selection.rangeCount > 0 && !selection.isCollapsed ? selection.getRangeAt(0) : null;
    if (!range || !v || !range.intersectsNode(v)) range = state.lastRange;
    if (!range || !v) return null;
    let span = mapRange(range, v, state.text);
    if (!span) {
      const blocks = [...v.querySelectorAll('.gp-block')].filter((b) => range.intersectsNode(b));
      if (blocks.length) span = locate(state.text, Number(blocks[0].dataset.start), Number(blocks.at(-1).dataset.end), range.toString());
    }
    return span;
  };
  // Keys go to the circuit one at a time, in order. A digit moves focus to the next item only when the circuit has
  // answered, so the item a key applies to is read when its turn comes, not when it was pressed: typed faster than a
  // busy server answers, "2 . 5 9" still lands on the right items and no key is lost.
  state.queue = Promise.resolve();
  state.onKey = (event) => {
    const ctrlEnter = event.key === 'Enter' && (event.ctrlKey || event.metaKey);
    if (!ctrlEnter && (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || isTyping(event.target))) return;
    if (!ctrlEnter && document.querySelector('.mud-dialog-container')) return;
    const focusedItem = () => {
      const row = document.activeElement?.closest?.('[data-gp-item]');
      return row ? Number(row.dataset.gpItem) : null;
    };
    let key = event.key;
    // Ctrl+Enter submits the form it is pressed in: the final grade's in its form, the open annotation or the grade elsewhere.
    if (ctrlEnter) key = event.target instanceof Element && event.target.closest('[data-gp-form="adjudication"]') ? 'adjudicate' : 'submit';
    else if (!/^[0-9.ajksg?]$/.test(key)) return;
    const isPoints = /^[0-9.]$/.test(key);
    if (isPoints && focusedItem() === null) return;
    event.preventDefault();
    if (key === 'g') {
      root.ownerDocument.querySelector('[data-gp-item="0"]')?.focus();
      return;
    }
    if (ctrlEnter && event.target instanceof Element && event.target.matches('input, textarea')) {
      // Fields send their value on change; without this the grade would go out without what was just typed.
      event.target.dispatchEvent(new Event('change', { bubbles: true }));
    }
    // The selection is taken now: it may change before the key's turn.
    const span = key === 'a' ? state.span() : null;
    state.queue = state.queue.then(async () => {
      const item = isPoints ? focusedItem() : null;
      if (isPoints && item === null) return;
      try {
        const next = await dotnet.invokeMethodAsync('OnHotkey', key, item, span?.start ?? null, span?.end ?? null);
        if (typeof next === 'number') {
          root.ownerDocument.querySelector(`[data-gp-item="${next}"]`)?.focus();
        }
      } catch {
        // A call that failed (circuit gone, page left) must not stop the keys after it.
      }
    });
  };
  // The annotation list's buttons have no handlers of their own (one per button kept a tree and a handler per item in
  // the circuit): a click on any of them, by mouse or by Enter and Space on the focused button, goes over as its action
  // and its item's key.
  state.onClick = (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-gp-act]') : null;
    const item = button?.closest('[data-gp-ann]');
    if (!item || button.disabled) return;
    dotnet.invokeMethodAsync('OnAnnotationAction', button.dataset.gpAct, item.dataset.gpAnn).catch(() => {
      // Circuit gone or page left: nothing to do.
    });
  };
  document.addEventListener('selectionchange', state.onSelection);
  document.addEventListener('keydown', state.onKey);
  document.addEventListener('click', state.onClick);
  renderMath(root);
  // Tells tests (and anyone curious) that the shortcuts listen for this proof now.
  root.dataset.gpKeys = 'on';
  return {
    span: () => state.span(),
    dispose() {
      document.removeEventListener('selectionchange', state.onSelection);
      document.removeEventListener('keydown', state.onKey);
      document.removeEventListener('click', state.onClick);
      delete root.dataset.gpKeys;
    },
  };
}

/** Typesets formulas that a render put back as TeX (highlights changed, or a panel re-rendered). */
export async function typeset(root) {
  await ensureKatex();
  renderMath(root);
}

export function focusItem(index) {
  document.querySelector(`[data-gp-item="${index}"]`)?.focus();
}

export function scrollToMark(root, key) {
  const mark = root.querySelector(`[data-ann~="${key}"]`);
  mark?.scrollIntoView({ behavior: 'smooth', block: 'center' });
}
