/**
 * Readable text out of one raw RFC 822 email, for masked-LM pretraining: the subject line and the
 * prose of its body. Headers (routing, ids, dates) are dropped because they are not language and
 * would fill the vocabulary with host names; of a MIME message only `text/plain` parts are kept,
 * or `text/html` with its tags stripped when a message has no plain part; quoted replies, URLs,
 * addresses, signatures and list footers go too. Good enough for a corpus, not a MIME library.
 */

/** Header fields (names lower-cased; continuation lines unfolded) and the body after them. */
interface MimeEntity {
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

function parseEntity(raw: string): MimeEntity {
  const text = raw.replace(/\r\n?/g, '\n');
  const cut = text.search(/\n[ \t]*\n/);
  const head = cut < 0 ? text : text.slice(0, cut);
  const body = cut < 0 ? '' : text.slice(cut).replace(/^\n[ \t]*\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function contentType(e: MimeEntity): { type: string; boundary: string | undefined } {
  const value = e.headers.get('content-type') ?? 'text/plain';
  const type = (value.split(';')[0] ?? '').trim().toLowerCase() || 'text/plain';
  const boundary = /boundary\s*=\s*"?([^";]+)"?/i.exec(value)?.[1]?.trim();
  return { type, boundary };
}

function decodeQuotedPrintable(s: string): string {
  return s
    .replace(/=\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function decodeBody(e: MimeEntity): string {
  const encoding = (e.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(e.body);
  if (encoding === 'base64') return Buffer.from(e.body.replace(/\s+/g, ''), 'base64').toString('latin1');
  return e.body;
}

const ENTITIES: Readonly<Record<string, string>> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  copy: '(c)',
  reg: '(r)',
};

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<\/?(p|div|br|tr|table|h[1-6]|li|ul|ol|td|blockquote|center)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|[a-z]+);/gi, (m, name: string) => {
      if (name.startsWith('#')) {
        const code = Number(name.slice(1));
        return code > 0 && code < 0x10000 ? String.fromCharCode(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? m;
    });
}

/** The text parts of an entity, `text/plain` preferred over `text/html` in alternatives. */
function textParts(e: MimeEntity, depth = 0): string[] {
  const { type, boundary } = contentType(e);
  if (type.startsWith('multipart/') && boundary && depth < 5) {
    const parts = e.body
      .split(`--${boundary}`)
      .slice(1)
      .filter((p) => !p.startsWith('--'))
      .map((p) => parseEntity(p.replace(/^[ \t]*\n/, '')));
    if (type === 'multipart/alternative') {
      const plain = parts.find((p) => contentType(p).type === 'text/plain');
      if (plain) return textParts(plain, depth + 1);
    }
    return parts.flatMap((p) => textParts(p, depth + 1));
  }
  // Much spam sends HTML without saying so.
  if (type === 'text/plain') {
    const body = decodeBody(e);
    return [/<(html|body|table|font|div|p|br)\b/i.test(body) ? htmlToText(body) : body];
  }
  if (type === 'text/html') return [htmlToText(decodeBody(e))];
  return [];
}

const URL = /\b(?:https?|ftp):\/\/\S+|\bwww\.\S+/gi;
const ADDRESS = /<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?/g;

/** A line worth keeping: mostly letters and spaces, no over-long token (keys, base64, hashes). */
function isProse(line: string): boolean {
  const letters = line.match(/[A-Za-z]/g)?.length ?? 0;
  if (letters < 0.6 * line.replace(/\s/g, '').length) return false;
  return !line.split(/\s+/).some((w) => w.length > 30);
}

/** Lines of a text part with replies, signatures, list footers, URLs and addresses removed. */
function cleanPart(text: string): string[] {
  const kept: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(URL, ' ')
      // Undecodable bytes and control characters are not text.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
      .replace(/[\uFFFD\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, ' ')
      .replace(ADDRESS, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    // A signature (`-- `) or a mailing-list footer ends the prose; everything below repeats.
    if (/^--\s*$/.test(raw) || /^_{10,}$/.test(line) || /^-+\s*original message/i.test(line)) break;
    if (/^[>|]/.test(line) || /\bwrote:$/.test(line)) continue;
    kept.push(line && isProse(line) ? line : '');
  }
  return kept;
}

/** Splits a paragraph into sentences (a `.`, `!` or `?` followed by a space and a capital or digit). */
function sentences(paragraph: string): string[] {
  return paragraph.split(/(?<=[.!?])\s+(?=["'(]?[A-Z0-9])/);
}

/**
 * The prose of `raw` as pieces of at most `maxWords` words: paragraphs of at least `minWords`
 * words, long ones packed sentence by sentence (an over-long sentence is cut), so a piece fits
 * the tokenizer's `maxLength` instead of being truncated.
 */
export function emailProse(raw: string, o: { minWords: number; maxWords: number }): string[] {
  const message = parseEntity(raw);
  const subject = (message.headers.get('subject') ?? '')
    .replace(/^(\s*(re|fwd?|aw)\s*:\s*|\s*\[[^\]]*\]\s*)+/i, '')
    .trim();
  const lines = [subject, '', ...textParts(message).flatMap((p) => [...cleanPart(p), ''])];
  const paragraphs = lines
    .join('\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim());
  const pieces: string[] = [];
  for (const paragraph of paragraphs) {
    if (paragraph.split(' ').length < o.minWords) continue;
    let piece: string[] = [];
    const flush = () => {
      if (piece.length >= o.minWords) pieces.push(piece.join(' '));
      piece = [];
    };
    for (const sentence of sentences(paragraph)) {
      const words = sentence.split(' ');
      if (piece.length + words.length > o.maxWords) flush();
      for (let i = 0; i < words.length; i += o.maxWords) {
        piece.push(...words.slice(i, i + o.maxWords));
        if (piece.length >= o.maxWords) flush();
      }
    }
    flush();
  }
  return pieces;
}
