/**
 * The storage service's XML answers the console reads, parsed with the browser's DOMParser: a
 * container's blob listing and a blob's uncommitted block list.
 */
import type { StoredBlock } from '../upload/blockPlan';

export interface ListedBlob {
  name: string;
  size: number;
  lastModified?: string;
  contentType?: string;
}

function parse(xml: string): Document {
  const document = new DOMParser().parseFromString(xml, 'application/xml');
  if (document.getElementsByTagName('parsererror').length > 0) throw new Error('The storage service answered with XML the console cannot read.');
  return document;
}

function childText(element: Element, tag: string): string | undefined {
  for (const child of Array.from(element.children)) if (child.tagName === tag) return child.textContent ?? '';
  return undefined;
}

/** One page of `?restype=container&comp=list`: its blobs and the marker of the next page, if any. */
export function parseBlobListing(xml: string): { blobs: ListedBlob[]; nextMarker?: string } {
  const document = parse(xml);
  const blobs = Array.from(document.getElementsByTagName('Blob')).map((blob) => {
    const properties = Array.from(blob.children).find((child) => child.tagName === 'Properties');
    return {
      name: childText(blob, 'Name') ?? '',
      size: Number(properties ? childText(properties, 'Content-Length') : 0) || 0,
      lastModified: properties ? childText(properties, 'Last-Modified') : undefined,
      contentType: properties ? childText(properties, 'Content-Type') : undefined,
    };
  });
  const nextMarker = document.getElementsByTagName('NextMarker')[0]?.textContent || undefined;
  return { blobs, nextMarker };
}

/** The blocks of `?comp=blocklist&blocklisttype=uncommitted`. */
export function parseUncommittedBlocks(xml: string): StoredBlock[] {
  const document = parse(xml);
  const section = document.getElementsByTagName('UncommittedBlocks')[0];
  if (!section) return [];
  return Array.from(section.getElementsByTagName('Block')).map((block) => ({
    name: childText(block, 'Name') ?? '',
    size: Number(childText(block, 'Size')) || 0,
  }));
}
