import { contentScanFor } from '../../src/domain/activeContent';
import { FileType, Finding } from '../../src/domain/contentPolicy';

/** Feeds `content` in chunks of `chunkSize` bytes (the whole at once by default) and returns the findings. */
function scan(name: string, type: FileType, content: Buffer | string, chunkSize?: number): Finding[] {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'latin1') : content;
  const check = contentScanFor(name, type);
  if (!check) throw new Error(`no whole-file checks for ${type}`);
  const step = chunkSize ?? Math.max(1, bytes.length);
  for (let offset = 0; offset < bytes.length; offset += step) check.write(bytes.subarray(offset, offset + step));
  return check.finish();
}

/** Every way of cutting `content` in two: a match must be found whichever chunk it straddles. */
function everySplit(name: string, type: FileType, content: string): Finding[][] {
  const bytes = Buffer.from(content, 'latin1');
  return Array.from({ length: bytes.length - 1 }, (_, cut) => {
    const check = contentScanFor(name, type)!;
    check.write(bytes.subarray(0, cut + 1));
    check.write(bytes.subarray(cut + 1));
    return check.finish();
  });
}

const rules = (findings: Finding[]) => findings.map((finding) => finding.rule);

const pdf = (body: string) =>
  `%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R ${body} >>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Root 1 0 R >>\nstartxref\n60\n%%EOF\n`;

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, ...new Array(56).fill(0)]);
/** A minimal PE: MZ, e_lfanew at 0x3c pointing at "PE\0\0". */
function peImage(): Buffer {
  const image = Buffer.alloc(0x100);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(0x80, 0x3c);
  image.write('PE\0\0', 0x80, 'latin1');
  return image;
}

describe('PDF', () => {
  test('a plain PDF passes', () => {
    expect(scan('paper.pdf', 'pdf', pdf('/OpenAction [3 0 R /Fit]'))).toEqual([]);
  });

  test.each([
    ['/JavaScript', 'JavaScript'],
    ['/JS (app.alert(1))', 'JavaScript'],
    ['/J#61vaScript', 'JavaScript'],
    ['/#4A#53 (x)', 'JavaScript'],
    ['/Launch', 'a launch action'],
    ['/EmbeddedFile', 'an embedded file'],
    ['/OpenAction << /S /JavaScript /JS (app.alert(1)) >>', 'JavaScript'],
  ])('%s is active content', (body, what) => {
    const findings = scan('paper.pdf', 'pdf', pdf(body));
    expect(findings).toEqual([{ rule: 'active-content', message: expect.stringContaining(`paper.pdf: the PDF has active content: ${what}`) }]);
  });

  test('names that only start like active ones are not', () => {
    expect(scan('paper.pdf', 'pdf', pdf('/JSON /Launcher /JavaScripts'))).toEqual([]);
  });

  test('an escaped name split across chunks is still decoded', () => {
    for (const findings of everySplit('paper.pdf', 'pdf', pdf('/J#61vaScript'))) expect(rules(findings)).toEqual(['active-content']);
  });

  test('an encrypted PDF cannot be checked', () => {
    expect(rules(scan('paper.pdf', 'pdf', pdf('/Encrypt 5 0 R')))).toEqual(['encrypted']);
  });

  test('a PDF header followed by an executable is blocked twice over: not a PDF, and an executable inside', () => {
    const polyglot = Buffer.concat([Buffer.from('%PDF-1.4\n'), ELF, Buffer.alloc(1000)]);
    const findings = scan('paper.pdf', 'pdf', polyglot, 7);
    expect(findings).toEqual([
      { rule: 'malformed', message: expect.stringMatching(/^paper\.pdf: the file starts as a PDF but is not a well-formed one \(no %%EOF at its end, no startxref/) },
      { rule: 'embedded-executable', message: 'paper.pdf: an executable program (ELF) is hidden inside this PDF at byte 9; executables cannot pass the airlock' },
    ]);
  });

  test('an executable inside an otherwise well-formed PDF is found wherever the chunks fall', () => {
    const polyglot = Buffer.concat([Buffer.from('%PDF-1.4\n'), peImage(), Buffer.from(pdf('').slice(9), 'latin1')]);
    expect(rules(scan('paper.pdf', 'pdf', polyglot))).toEqual(['embedded-executable']);
    expect(rules(scan('paper.pdf', 'pdf', polyglot, 1))).toEqual(['embedded-executable']);
  });

  test('data appended after %%EOF is a malformed PDF', () => {
    const appended = Buffer.concat([Buffer.from(pdf(''), 'latin1'), Buffer.alloc(4096, 'x')]);
    expect(rules(scan('paper.pdf', 'pdf', appended))).toEqual(['malformed']);
  });
});

describe('images', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

  test('an image with an executable after its header is blocked', () => {
    const findings = scan('plot.png', 'png', Buffer.concat([png, Buffer.alloc(100), ELF]), 1000);
    expect(findings).toEqual([{ rule: 'embedded-executable', message: expect.stringContaining('plot.png: an executable program (ELF) is hidden inside this PNG image at byte 116') }]);
  });

  test('"MZ" and 0x7f "ELF" by chance, without the headers behind them, are not executables', () => {
    const lookalikes = Buffer.concat([png, Buffer.from('MZ'), Buffer.alloc(200, 1), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 9, 9, 9])]);
    expect(scan('plot.png', 'png', lookalikes)).toEqual([]);
  });
});

describe('SVG', () => {
  const svg = (inner: string, attributes = '') => `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"${attributes}>${inner}</svg>`;

  test('a plain SVG with internal references and embedded PNGs passes', () => {
    const plain = svg('<defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use xlink:href="#g"/><image href="data:image/png;base64,iVBO"/><text>once upon a time</text>');
    expect(scan('plot.svg', 'svg', plain)).toEqual([]);
  });

  test.each([
    ['a script element', svg('<script>alert(1)</script>')],
    ['a script element', svg('<svg:script>alert(1)</svg:script>')],
    ['an event-handler attribute', svg('<rect/>', ' onload="alert(1)"')],
    ['an event-handler attribute', svg('<rect ONMOUSEOVER\n = "alert(1)"/>')],
    ['a javascript: URL', svg('<a href="javascript:alert(1)"><rect/></a>')],
    ['a javascript: URL', svg('<a href="&#x6A;ava&#9;script&colon;alert(1)"><rect/></a>')],
    ['embedded HTML', svg('<foreignObject><body>hi</body></foreignObject>')],
    ['an external reference', svg('<image href="https://evil.example/x.png"/>')],
    ['an external reference', svg('<rect style="fill: url(https://evil.example/p)"/>')],
    ['an entity declaration', `<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>${svg('<text>&x;</text>')}`],
  ])('%s is blocked', (what, content) => {
    const findings = scan('plot.svg', 'svg', content);
    expect(findings).toEqual([{ rule: 'active-content', message: expect.stringContaining(`plot.svg: the SVG has ${what}`) }]);
  });

  test('a script tag split across chunks is found wherever the cut falls', () => {
    for (const findings of everySplit('plot.svg', 'svg', svg('<script>1</script>'))) expect(rules(findings)).toEqual(['active-content']);
    for (const findings of everySplit('plot.svg', 'svg', svg('<a href="&#106;avascript:1"/>'))) expect(rules(findings)).toEqual(['active-content']);
  });
});

describe('text that is markup', () => {
  test.each([
    ['notes.txt', 'txt', '<!DOCTYPE html>\n<html><body>hello</body></html>', 'HTML (<!DOCTYPE html>), not plain text'],
    ['notes.txt', 'txt', 'harmless first line\n<iframe src="https://evil.example">', 'HTML, not plain text'],
    ['data.csv', 'csv', 'a,b\n1,"<SCRIPT>alert(1)</SCRIPT>"\n', 'HTML, not plain text'],
    ['data.json', 'json', '{"x": "<img src=x onerror=alert(1)>"}', 'HTML, not plain JSON'],
    ['notes.txt', 'txt', '<?xml version="1.0"?><note/>', 'XML (<?xml ...?>), not plain text'],
  ] as const)('%s with %s-like content is blocked', (name, type, content, what) => {
    expect(scan(name, type, content)).toEqual([
      { rule: 'markup-in-text', message: `${name}: the content is ${what}; markup can run in a browser, so it cannot pass as text` },
    ]);
  });

  test('HTML in UTF-16 is HTML too', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html><script>1</script></html>', 'utf16le')]);
    expect(rules(scan('notes.txt', 'txt', utf16, 3))).toEqual(['markup-in-text']);
  });

  test('plain text with angle brackets passes', () => {
    expect(scan('data.csv', 'csv', 'a,b\n1 < 2,x<y\n<unknown> tag,3\nhtml,body\n')).toEqual([]);
    expect(scan('notes.txt', 'txt', 'the <?xml declaration is explained later')).toEqual([]);
  });

  test('a tag split across chunks is found wherever the cut falls', () => {
    for (const findings of everySplit('notes.txt', 'txt', 'text text <script>x</script>')) expect(rules(findings)).toEqual(['markup-in-text']);
  });
});

test('types whose head says enough get no whole-file checks', () => {
  expect(contentScanFor('data.zip', 'zip')).toBeUndefined();
  expect(contentScanFor('t.parquet', 'parquet')).toBeUndefined();
});
