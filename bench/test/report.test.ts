// The helpers that write the results table into bench/README.md.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fmtOps, fmtRatio, machineLine, median, writeReadmeSection } from '../src/report.js';

describe('bench report helpers', () => {
  test('median of odd and even lists, NaN for none', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  test('formatting of ops/s and ratios', () => {
    assert.equal(fmtOps(1_234_567), '1.23M');
    assert.equal(fmtOps(123_456), '123k');
    assert.equal(fmtOps(1_234), '1.2k');
    assert.equal(fmtOps(999), '999');
    assert.equal(fmtRatio(1.234), '1.23x');
    assert.equal(fmtRatio(Number.NaN), 'n/a');
  });

  test('writeReadmeSection replaces only its marked section, and appends it when absent', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bench-readme-')), 'README.md');
    writeFileSync(
      file,
      '# t\n\nkeep me\n\n<!-- bench:lib:start -->\nold\n<!-- bench:lib:end -->\n\ntail stays\n',
    );
    writeReadmeSection('lib', 'new table', file);
    writeReadmeSection('http', 'http table', file);
    writeReadmeSection('lib', 'newer table', file);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /keep me/);
    assert.match(text, /tail stays/);
    assert.match(text, /<!-- bench:lib:start -->\nnewer table\n<!-- bench:lib:end -->/);
    assert.doesNotMatch(text, /old|new table/);
    assert.match(text, /<!-- bench:http:start -->\nhttp table\n<!-- bench:http:end -->/);
    assert.ok(text.indexOf('tail stays') < text.indexOf('bench:http:start'), 'new sections go at the end');
  });

  test('the machine line names node, CPU count and model, and the jwtkit build', () => {
    const line = machineLine();
    assert.match(line, new RegExp(`node ${process.version.replace(/\./g, '\\.')}`));
    assert.match(line, /nproc \d+, CPU "/);
    assert.match(line, /jwtkit dist built /);
  });
});
