import test from 'ava';
import { firstLine, leadingInteger, listLines } from '../../src/control/index.js';

test('first line keeps a CR and leading spaces, strips trailing space, tab and LF', (t) => {
  t.is(firstLine(' greet.example  Welcome \t\r\t \nsecond\n'), ' greet.example  Welcome \t\r');
  t.is(firstLine(''), '');
});

test('integers are a decimal prefix; no leading digit means default', (t) => {
  t.is(leadingInteger('12kb\n'), 12);
  t.is(leadingInteger('abc\n'), undefined);
  t.is(leadingInteger(' 10\n'), undefined);
  t.is(leadingInteger(''), undefined);
});

test('list files skip empty and # lines and keep a last line without LF', (t) => {
  t.deepEqual(listLines('a.example\n\n#comment\n  \n b.example \nlast'), ['a.example', ' b.example', 'last']);
});
