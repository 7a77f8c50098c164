import { BEGIN_MARKER, END_MARKER, figure, sectionOf, spliceSection } from './render.ts';

describe('figure', () => {
  it('keeps three significant figures and separates thousands', () => {
    expect(figure(0.01512)).toBe('0.0151');
    expect(figure(4.123)).toBe('4.12');
    expect(figure(32.64)).toBe('32.6');
    expect(figure(943.6)).toBe('944');
    expect(figure(23_041.7)).toBe('23,000');
    expect(figure(0)).toBe('0');
    expect(figure(Infinity)).toBe('—');
  });
});

describe('the generated section', () => {
  const doc = `# Title\n\nprose\n\n${BEGIN_MARKER}\nold\n${END_MARKER}\n\nmore prose\n`;

  it('replaces only what lies between the markers', () => {
    const section = `${BEGIN_MARKER}\nnew\n${END_MARKER}`;
    const spliced = spliceSection(doc, section);
    expect(spliced).toBe(`# Title\n\nprose\n\n${section}\n\nmore prose\n`);
    expect(sectionOf(spliced)).toBe(section);
  });

  it('refuses a document without markers', () => {
    expect(sectionOf('# Title\n')).toBeUndefined();
    expect(() => spliceSection('# Title\n', 'x')).toThrow('markers');
  });
});
