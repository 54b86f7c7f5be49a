// The code view of `event.poller.configuration`: a textarea with line numbers, a JSON parser that
// says where (line and column) it stopped and where every key is, and markers on the lines at fault.
// The parser is our own (not JSON.parse) because browsers word and place their errors differently.

import { h, uid, fill } from './dom.js';

export function lineCol(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export class JsonSyntaxError extends Error {
  constructor(message, text, offset) {
    const { line, column } = lineCol(text, offset);
    super(message);
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

const describe = (c) => (c === undefined ? 'the end of the text' : c === '\n' ? 'a line break' : `'${c}'`);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses JSON. Returns `{ value, positions }` where positions maps a key path (JSON of the array of
 * keys/indices) to the offset of that key; throws JsonSyntaxError with line and column.
 */
export function parseJson(text) {
  let i = 0;
  const positions = new Map();
  const fail = (message, at = i) => {
    throw new JsonSyntaxError(message, text, at);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };

  function string() {
    const start = i;
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') fail('this string is not closed: a double quote is missing', start);
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c < ' ') fail('control characters must be escaped inside strings');
      i++;
      if (c === '"') break;
    }
    try {
      return JSON.parse(text.slice(start, i));
    } catch {
      return fail('invalid escape sequence in this string', start);
    }
  }

  function value(path) {
    ws();
    const c = text[i];
    if (c === '{') return object(path);
    if (c === '[') return array(path);
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) fail('invalid number');
      i += m[0].length;
      return Number(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    if (c === "'") fail('strings take double quotes in JSON, not single quotes');
    return fail(c === undefined ? 'the text ends where a value is expected' : `unexpected ${describe(c)}: expected a value (object, array, string, number, true, false or null)`);
  }

  function object(path) {
    const out = {};
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail(text[i] === "'" ? 'property names take double quotes in JSON' : `expected a property name in double quotes, found ${describe(text[i])}`);
      const keyAt = i;
      const key = string();
      const keyPath = [...path, key];
      positions.set(JSON.stringify(keyPath), keyAt);
      ws();
      if (text[i] !== ':') fail(`expected ':' after the property name "${key}", found ${describe(text[i])}`);
      i++;
      // defineProperty: a "__proto__" key is data, not a prototype.
      Object.defineProperty(out, key, { value: value(keyPath), enumerable: true, writable: true, configurable: true });
      const valueEnd = i;
      ws();
      if (text[i] === ',') {
        const commaAt = i;
        i++;
        ws();
        if (text[i] === '}') fail('a comma before \'}\': JSON allows no trailing comma', commaAt);
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      // A missing comma is at the end of the value before it, not where the next property starts.
      if (text[i] === '"') fail(`missing ',' after the value of "${key}"`, valueEnd);
      fail(text[i] === undefined ? "the text ends inside an object: '}' is missing" : `expected ',' or '}' after the value of "${key}", found ${describe(text[i])}`);
    }
  }

  function array(path) {
    const out = [];
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      const itemPath = [...path, out.length];
      ws();
      positions.set(JSON.stringify(itemPath), i);
      out.push(value(itemPath));
      const valueEnd = i;
      ws();
      if (text[i] === ',') {
        const commaAt = i;
        i++;
        ws();
        if (text[i] === ']') fail("a comma before ']': JSON allows no trailing comma", commaAt);
        continue;
      }
      if (text[i] === ']') {
        i++;
        return out;
      }
      fail(text[i] === undefined ? "the text ends inside an array: ']' is missing" : `missing ',' between array items`, valueEnd);
    }
  }

  ws();
  if (i >= text.length) fail('the configuration is empty: write {} for no resources', 0);
  const result = value([]);
  ws();
  if (i < text.length) fail(`unexpected ${describe(text[i])} after the end of the JSON value`);
  return { value: result, positions };
}

/** Where a key path is written: the deepest known prefix of `path`. */
export function locate(parsed, text, path) {
  for (let n = path.length; n > 0; n--) {
    const at = parsed.positions.get(JSON.stringify(path.slice(0, n)));
    if (at !== undefined) return { offset: at, ...lineCol(text, at) };
  }
  return undefined;
}

/**
 * An API issue path (`configuration['event.poller.configuration'].contacts.url`, `tags[0]`) as its
 * steps: ['configuration', 'event.poller.configuration', 'contacts', 'url'].
 */
export function parseIssuePath(path) {
  const steps = [];
  const re = /\.?([A-Za-z_$][\w$]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/gy;
  let m;
  while (re.lastIndex < path.length && (m = re.exec(path))) {
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(m[2].replace(/\\(.)/g, '$1'));
    else steps.push(Number(m[3]));
  }
  return steps;
}

/**
 * The editor: `{ root, textarea, value, setValue, setMarkers, focusAt }`. Markers are `{ line, column,
 * message }`; each marks its line in the gutter and is listed under the editor with a button that
 * puts the caret there.
 */
export function codeEditor({ label, value = '', rows = 16, hint }) {
  const id = uid('code');
  const hintId = uid('hint');
  const listId = uid('markers');
  const gutter = h('pre', { class: 'gutter', 'aria-hidden': 'true' });
  const textarea = h('textarea', {
    id,
    class: 'code-input',
    rows: String(rows),
    spellcheck: 'false',
    autocapitalize: 'off',
    autocomplete: 'off',
    wrap: 'off',
    'aria-describedby': `${hint ? hintId : ''} ${listId}`.trim(),
  });
  textarea.value = value;
  const markerList = h('ul', { id: listId, class: 'markers', 'aria-live': 'polite' });
  let markers = [];

  function paintGutter() {
    const lines = textarea.value.split('\n').length;
    const bad = new Map(markers.map((m) => [m.line, m.message]));
    fill(gutter,
      ...Array.from({ length: lines }, (_, n) => {
        const line = n + 1;
        return h('span', { class: bad.has(line) ? 'bad' : undefined, title: bad.get(line) }, `${line}\n`);
      }),
    );
    gutter.scrollTop = textarea.scrollTop;
  }

  function focusAt(line, column = 1) {
    const lines = textarea.value.split('\n');
    let offset = 0;
    for (let n = 1; n < line && n <= lines.length; n++) offset += lines[n - 1].length + 1;
    offset += Math.max(0, column - 1);
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
    // Bring the line into view: rows are one line-height each.
    const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
    const top = (line - 1) * lineHeight;
    if (top < textarea.scrollTop || top > textarea.scrollTop + textarea.clientHeight - lineHeight) textarea.scrollTop = Math.max(0, top - lineHeight * 2);
  }

  function setMarkers(list) {
    markers = list;
    textarea.setAttribute('aria-invalid', list.length > 0 ? 'true' : 'false');
    fill(markerList,
      ...list.map((m) =>
        h(
          'li',
          { class: 'error' },
          m.line ? h('button', { type: 'button', class: 'link', onclick: () => focusAt(m.line, m.column) }, `Line ${m.line}, column ${m.column}`) : null,
          m.line ? ': ' : '',
          m.message,
        ),
      ),
    );
    paintGutter();
  }

  textarea.addEventListener('input', paintGutter);
  textarea.addEventListener('scroll', () => {
    gutter.scrollTop = textarea.scrollTop;
  });
  // Tab indents (two spaces) instead of leaving the editor; Escape then Tab leaves it (keyboard users are not trapped).
  let escaped = false;
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      escaped = true;
      return;
    }
    if (e.key === 'Tab' && !e.shiftKey && !escaped && !e.ctrlKey && !e.altKey && !e.metaKey) {
      e.preventDefault();
      textarea.setRangeText('  ', textarea.selectionStart, textarea.selectionEnd, 'end');
      textarea.dispatchEvent(new Event('input', { bubbles: true }));
    }
    if (e.key !== 'Tab') escaped = false;
  });

  const root = h(
    'div',
    { class: 'field code-field' },
    h('label', { for: id, text: label }),
    hint ? h('p', { id: hintId, class: 'hint', text: hint }) : null,
    h('div', { class: 'code-wrap' }, gutter, textarea),
    markerList,
  );
  paintGutter();
  return {
    root,
    textarea,
    get value() {
      return textarea.value;
    },
    setValue(text) {
      textarea.value = text;
      paintGutter();
    },
    setMarkers,
    focusAt,
  };
}
