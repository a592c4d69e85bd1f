/**
 * A small XML codec for libvirt documents: an ordered element tree in, indented XML out
 * (and back, for tests). It wraps fast-xml-parser so that the rest of vgpuctl never sees
 * that library's object conventions. Order is kept exactly as given: libvirt does not care,
 * but golden files and people reading a domain do.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** One XML element: attributes in the order given, then either text or child elements. */
export interface XmlElement {
  name: string;
  attrs?: Readonly<Record<string, string | number>>;
  children?: readonly XmlElement[];
  text?: string;
}

/** Shorthand for an {@link XmlElement}. */
export function el(
  name: string,
  attrs: Readonly<Record<string, string | number>> = {},
  children: readonly XmlElement[] | string = [],
): XmlElement {
  return typeof children === 'string' ? { name, attrs, text: children } : { name, attrs, children };
}

type OrderedNode = { [name: string]: OrderedNode[] | string | Record<string, string> };

const OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
} as const;

const builder = new XMLBuilder({ ...OPTIONS, format: true, indentBy: '  ', suppressEmptyNode: true });
const parser = new XMLParser({ ...OPTIONS, parseAttributeValue: false, parseTagValue: false, trimValues: true });

function toOrdered(element: XmlElement): OrderedNode {
  const body: OrderedNode[] =
    element.text !== undefined ? [{ '#text': element.text }] : (element.children ?? []).map(toOrdered);
  const node: OrderedNode = { [element.name]: body };
  const attrs = Object.entries(element.attrs ?? {});
  if (attrs.length > 0) node[':@'] = Object.fromEntries(attrs.map(([k, v]) => [k, String(v)]));
  return node;
}

function fromOrdered(node: OrderedNode): XmlElement {
  const name = Object.keys(node).find((key) => key !== ':@') as string;
  const body = node[name] as OrderedNode[];
  const attrs = (node[':@'] ?? {}) as Record<string, string>;
  const text = body.find((child) => '#text' in child);
  if (text !== undefined) return { name, attrs, text: String(text['#text']) };
  return { name, attrs, children: body.map(fromOrdered) };
}

/**
 * Renders an element tree as indented XML ending in a newline, with `&`, `<`, `>` and
 * quotes escaped.
 *
 * @example
 * renderXml(el('video', {}, [el('model', { type: 'virtio', heads: 1 })]));
 * // <video>\n  <model type="virtio" heads="1"/>\n</video>\n
 */
export function renderXml(root: XmlElement): string {
  return `${builder.build([toOrdered(root)]).trim()}\n`;
}

/** Parses an XML document into an element tree (whitespace-only text is dropped). */
export function parseXml(text: string): XmlElement {
  let parsed: OrderedNode[];
  try {
    parsed = parser.parse(text) as OrderedNode[];
  } catch (error) {
    // fast-xml-parser throws a plain Error on malformed XML; this parser's callers expect SyntaxError.
    throw new SyntaxError(`Cannot parse XML: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const nodes = parsed.filter((node) => !('?xml' in node));
  const root = nodes[0];
  if (root === undefined) throw new SyntaxError('Cannot parse XML: no root element');
  return fromOrdered(root);
}
