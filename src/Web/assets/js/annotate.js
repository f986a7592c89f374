// The annotation tool. The server renders the proof with source offsets on every run of text and every formula
// (data-s/data-e, UTF-16 offsets into the stored text) and embeds the text itself as JSON. A selection therefore
// maps to exact offsets: a boundary inside a text run maps to run start + offset, a formula counts as a whole.
// Where no run carries offsets (code blocks), the selected string is searched in the source of the touched blocks,
// exactly and then ignoring whitespace; failing that, the dialog shows those blocks' source, where selecting maps
// exactly. The stored quote is always the source text between the offsets.
import { toast } from './toast.js';

let lastRange = null;

const proof = () => document.getElementById('gp-proof');
const wrap = () => document.getElementById('gp-proof-wrap');
const form = () => document.getElementById('gp-annotation-form');

function sourceText() {
  const element = document.getElementById('gp-proof-json');
  if (!element) {
    return null;
  }
  if (element.gpText === undefined) {
    element.gpText = JSON.parse(element.textContent);
  }
  return element.gpText;
}

function visibleView() {
  const mode = wrap()?.classList.contains('gp-mode-source') ? 'source' : 'rendered';
  return proof()?.querySelector(`[data-gp-proof-view="${mode}"]`) ?? null;
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

function trimSpan(text, start, end) {
  while (start < end && /\s/.test(text[start])) {
    start++;
  }
  while (end > start && /\s/.test(text[end - 1])) {
    end--;
  }
  return end > start ? { start, end } : null;
}

/** Exact offsets from the runs and formulas the range touches, or null when it touches none. */
function mapRange(range, view, text) {
  let start = null;
  let end = null;
  for (const leaf of view.querySelectorAll('[data-s]')) {
    if (!range.intersectsNode(leaf)) {
      continue;
    }
    const s = Number(leaf.dataset.s);
    const e = Number(leaf.dataset.e);
    const isRun = !leaf.classList.contains('gp-math');
    const startsHere = isRun && range.startContainer.nodeType === Node.TEXT_NODE && range.startContainer.parentNode === leaf;
    const endsHere = isRun && range.endContainer.nodeType === Node.TEXT_NODE && range.endContainer.parentNode === leaf;
    if (start === null) {
      start = startsHere ? s + domToSource(text, s, range.startOffset) : s;
    }
    end = endsHere ? s + domToSource(text, s, range.endOffset) : e;
  }
  return start === null ? null : trimSpan(text, start, end);
}

/** Finds needle in text[from, to): exactly, then ignoring whitespace. */
export function locate(text, from, to, needle) {
  needle = needle.trim();
  if (!needle) {
    return null;
  }
  const slice = text.slice(from, to);
  const exact = slice.indexOf(needle);
  if (exact >= 0) {
    return { start: from + exact, end: from + exact + needle.length };
  }
  const positions = [];
  let compact = '';
  for (let i = 0; i < slice.length; i++) {
    if (!/\s/.test(slice[i])) {
      compact += slice[i];
      positions.push(i);
    }
  }
  const compactNeedle = needle.replace(/\s+/g, '');
  const at = compactNeedle ? compact.indexOf(compactNeedle) : -1;
  return at < 0 ? null : { start: from + positions[at], end: from + positions[at + compactNeedle.length - 1] + 1 };
}

function touchedBlocks(range, view) {
  return [...view.querySelectorAll('.gp-block')].filter((block) => range.intersectsNode(block));
}

/** The source window to refine in: the rendered blocks overlapping the span, else the lines around it. */
function windowAround(text, span) {
  const blocks = [...(proof()?.querySelectorAll('.gp-proof-rendered .gp-block') ?? [])]
    .filter((b) => Number(b.dataset.start) < span.end && Number(b.dataset.end) > span.start);
  if (blocks.length) {
    return { from: Number(blocks[0].dataset.start), to: Number(blocks.at(-1).dataset.end) };
  }
  const from = text.lastIndexOf('\n', Math.max(span.start - 1, 0)) + 1;
  const newline = text.indexOf('\n', span.end);
  return { from, to: newline < 0 ? text.length : newline };
}

function proofRange() {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
    return null;
  }
  const range = selection.getRangeAt(0);
  const view = visibleView();
  return view && range.intersectsNode(view) ? range : null;
}

function setSpan(text, span) {
  const f = form();
  if (!f) {
    return;
  }
  const quote = span ? text.slice(span.start, span.end) : '';
  f.querySelector('[data-gp-field="start"]').value = span ? String(span.start) : '';
  f.querySelector('[data-gp-field="end"]').value = span ? String(span.end) : '';
  f.querySelector('[data-gp-field="quote"]').value = quote;
  const preview = f.querySelector('[data-gp-quote-preview]');
  preview.textContent = quote || 'Nothing selected yet.';
  preview.classList.toggle('text-body-tertiary', !quote);
  f.querySelector('[data-gp-span-label]').textContent = span ? `characters ${span.start}–${span.end} (${span.end - span.start})` : '';
  f.querySelector('[type="submit"]').disabled = !span;
}

function showRefine(text, area, from, to) {
  const pre = area.querySelector('[data-gp-refine-source]');
  pre.dataset.base = String(from);
  pre.textContent = text.slice(from, to);
  area.classList.remove('d-none');
}

function onRefineSelection(pre) {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
    return;
  }
  const range = selection.getRangeAt(0);
  if (!pre.contains(range.startContainer) || !pre.contains(range.endContainer)) {
    return;
  }
  // The refine view holds text set from JavaScript (no HTML parsing), so its offsets equal source offsets.
  const base = Number(pre.dataset.base);
  const offset = (node, within) => {
    if (node === pre) {
      return [...pre.childNodes].slice(0, within).reduce((n, child) => n + child.textContent.length, 0);
    }
    let total = 0;
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    for (let current = walker.nextNode(); current; current = walker.nextNode()) {
      if (current === node) {
        return total + within;
      }
      total += current.textContent.length;
    }
    return total;
  };
  const text = sourceText();
  const span = trimSpan(text, base + offset(range.startContainer, range.startOffset), base + offset(range.endContainer, range.endOffset));
  if (span) {
    setSpan(text, span);
    const hint = form()?.querySelector('[data-gp-refine-hint]');
    if (hint) {
      hint.textContent = 'Selection taken from the source.';
    }
  }
}

/** Opens the dialog for the current selection of the proof (key "a" and the Annotate button). */
export function annotateSelection() {
  const p = proof();
  const f = form();
  if (!p || !f || p.dataset.canAnnotate !== 'true') {
    return false;
  }
  const text = sourceText();
  const view = visibleView();
  const range = proofRange() ?? lastRange;
  if (!range || !view) {
    toast('Select a passage of the proof first, then press a.');
    return true;
  }
  let span = mapRange(range, view, text);
  let unresolved = null;
  if (!span) {
    const blocks = touchedBlocks(range, view);
    if (blocks.length) {
      const from = Number(blocks[0].dataset.start);
      const to = Number(blocks.at(-1).dataset.end);
      span = locate(text, from, to, range.toString());
      unresolved = span ? null : { from, to };
    }
  }
  if (!span && !unresolved) {
    toast('That selection is not part of the proof text.');
    return true;
  }
  const area = f.querySelector('[data-gp-refine-area]');
  area.classList.add('d-none');
  const hint = f.querySelector('[data-gp-refine-hint]');
  hint.textContent = 'Not quite right? Select the exact passage in the source.';
  setSpan(text, span);
  if (unresolved) {
    hint.textContent = 'The selection could not be matched to the text exactly. Select the passage in the source below.';
    showRefine(text, area, unresolved.from, unresolved.to);
  }
  f.dataset.gpWindow = JSON.stringify(span ? windowAround(text, span) : unresolved);
  const modal = document.getElementById('gp-annotation-dialog');
  window.bootstrap.Modal.getOrCreateInstance(modal).show();
  return true;
}

export function setView(mode) {
  const w = wrap();
  if (!w) {
    return;
  }
  w.classList.toggle('gp-mode-source', mode === 'source');
  w.classList.toggle('gp-mode-rendered', mode !== 'source');
  try {
    localStorage.setItem('gp-proof-view', mode);
  } catch {
    // Private windows may refuse storage; the view just is not remembered.
  }
}

export function toggleView() {
  const w = wrap();
  if (!w) {
    return false;
  }
  setView(w.classList.contains('gp-mode-source') ? 'rendered' : 'source');
  return true;
}

function flash(elements) {
  for (const element of elements) {
    element.classList.remove('gp-flash');
    void element.offsetWidth;
    element.classList.add('gp-flash');
  }
}

function gotoAnnotation(key) {
  const view = visibleView();
  if (!view) {
    return;
  }
  const marks = [...view.querySelectorAll(`[data-ann~="${key}"]:not(.gp-block)`)];
  const target = marks[0] ?? view.querySelector(`.gp-block[data-ann~="${key}"]`);
  if (!target) {
    return;
  }
  target.scrollIntoView({ behavior: 'smooth', block: 'center' });
  flash(marks.length ? marks : [target]);
}

function gotoListItem(keys) {
  const items = keys.map((key) => document.querySelector(`[data-gp-ann="${key}"]`)).filter(Boolean);
  if (items.length) {
    items[0].scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    flash(items);
  }
}

export function initAnnotator() {
  const stored = (() => {
    try {
      return localStorage.getItem('gp-proof-view');
    } catch {
      return null;
    }
  })();
  if (stored) {
    setView(stored);
  }
  document.addEventListener('selectionchange', () => {
    const range = proofRange();
    if (range) {
      lastRange = range.cloneRange();
    }
  });
  document.addEventListener('click', (event) => {
    const target = event.target;
    const view = target.closest('[data-gp-view]');
    if (view) {
      setView(view.dataset.gpView);
      return;
    }
    if (target.closest('[data-gp-annotate]')) {
      annotateSelection();
      return;
    }
    const goto = target.closest('[data-gp-goto]');
    if (goto) {
      gotoAnnotation(goto.dataset.gpGoto);
      return;
    }
    if (target.closest('[data-gp-refine]')) {
      const f = form();
      const area = f?.querySelector('[data-gp-refine-area]');
      const win = f?.dataset.gpWindow ? JSON.parse(f.dataset.gpWindow) : null;
      if (area && win) {
        showRefine(sourceText(), area, win.from, win.to);
      }
      return;
    }
    const mark = target.closest('mark.gp-ann, .gp-math-block[data-ann]');
    if (mark && window.getSelection()?.isCollapsed !== false) {
      gotoListItem(mark.dataset.ann.split(' '));
    }
  });
  for (const type of ['mouseup', 'keyup']) {
    document.addEventListener(type, (event) => {
      const pre = event.target.closest?.('[data-gp-refine-source]');
      if (pre) {
        onRefineSelection(pre);
      }
    });
  }
  document.body.addEventListener('htmx:afterSettle', () => {
    const f = form();
    if (f?.dataset.gpSaved === 'true') {
      f.dataset.gpSaved = 'false';
      const modal = document.getElementById('gp-annotation-dialog');
      window.bootstrap?.Modal.getInstance(modal)?.hide();
      window.getSelection()?.removeAllRanges();
      lastRange = null;
      toast('Annotation saved.', 'success');
    }
  });
  document.addEventListener('shown.bs.modal', (event) => {
    if (event.target.id === 'gp-annotation-dialog') {
      event.target.querySelector('select[name="errorType"]')?.focus();
    }
  });
}
