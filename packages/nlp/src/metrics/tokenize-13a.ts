import { pythonSplit } from './python-split.js';

/**
 * sacreBLEU's default `13a` tokenisation (mteval-v13a.pl, used by WMT): unescape the four XML
 * entities, split off punctuation and symbols, split `.` and `,` unless between digits and `-`
 * after a digit, then collapse whitespace.
 *
 * @example tokenize13a('Hello, world! It costs $3.50.') // 'Hello , world ! It costs $ 3.50 .'
 */
export function tokenize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  s = ` ${s} `;
  // ASCII symbols: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ');
  s = s.replace(/([^0-9])([.,])/g, '$1 $2 ');
  s = s.replace(/([.,])([^0-9])/g, ' $1 $2');
  s = s.replace(/([0-9])(-)/g, '$1 $2 ');
  return pythonSplit(s).join(' ');
}
