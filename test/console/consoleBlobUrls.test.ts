import { attachmentDisposition, blobUrl, containerUrlWith, downloadName, encodeBlobName, linkExpiresAt } from '../../console/src/storage/blobUrls';

const container = 'http://127.0.0.1:10000/stalairlockdemo/req-1?sv=2025-01-05&se=2030-01-02T03%3A04%3A05Z&sr=c&sp=rwdl&sig=abc%2Bdef%3D';

describe('blob URLs from a container link', () => {
  it('puts the encoded name after the container and keeps the SAS as it was', () => {
    expect(blobUrl(container, 'data.csv')).toBe(`http://127.0.0.1:10000/stalairlockdemo/req-1/data.csv?${container.split('?')[1]}`);
  });

  it("encodes each part of the name, keeping '/' as the folder separator", () => {
    expect(encodeBlobName('my folder/report #1?.csv')).toBe('my%20folder/report%20%231%3F.csv');
    expect(encodeBlobName('100%/été.txt')).toBe('100%25/%C3%A9t%C3%A9.txt');
  });

  it('appends operation parameters after the SAS, encoded', () => {
    const url = new URL(blobUrl(container, 'a b.bin', { comp: 'block', blockid: 'QUJD+/==' }));
    expect(url.pathname).toBe('/stalairlockdemo/req-1/a%20b.bin');
    expect(url.searchParams.get('sig')).toBe('abc+def=');
    expect(url.searchParams.get('comp')).toBe('block');
    expect(url.searchParams.get('blockid')).toBe('QUJD+/==');
  });

  it("addresses the container itself for its listing, without a trailing '/'", () => {
    const url = new URL(containerUrlWith(`${container.replace('?', '/?')}`, { restype: 'container', comp: 'list' }));
    expect(url.pathname).toBe('/stalairlockdemo/req-1');
    expect(url.searchParams.get('restype')).toBe('container');
    expect(url.searchParams.get('sp')).toBe('rwdl');
  });

  it("reads the link's expiry from its SAS", () => {
    expect(linkExpiresAt(container)).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
    expect(linkExpiresAt('http://host/c?sv=1')).toBeUndefined();
    expect(linkExpiresAt('http://host/c?se=soon')).toBeUndefined();
  });

  it("downloads a file under its own name, the name's last part", () => {
    expect(downloadName('results/table.csv')).toBe('table.csv');
    expect(downloadName('table.csv')).toBe('table.csv');
    expect(attachmentDisposition('out/résumé 1.pdf')).toBe("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf");
  });
});
