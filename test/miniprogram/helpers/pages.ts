/**
 * Opening the compiled pages with miniprogram-simulate. Every page is built with Component()
 * (WeChat's "使用 Component 构造器构造页面"), so simulate.load() takes it like a component;
 * simulate does not run page lifecycles, so open() calls onLoad(query) and onShow() the way the
 * framework would. The pure-JS template compiler is used: the bundled official one (wcc) is a
 * native binary that is not executable here.
 */
import path from 'node:path';
import simulate from 'miniprogram-simulate';
import { afterAll } from 'vitest';
import { buildMiniprogram, removeBuild, requireBuilt } from './build.ts';

// Registered while the importing test file is collected: its build goes when the file is done.
afterAll(removeBuild);

export type PageName = 'index' | 'detail' | 'subscribe' | 'mine' | 'search' | 'request';

/** What the tests use of a j-component node (its d.ts refers to DOM types this program lacks). */
interface Node {
  readonly dom: { textContent: string | null; innerHTML: string } | undefined;
  readonly data: Record<string, any>;
  readonly instance: Record<string, any>;
  querySelector(selector: string): Node | undefined;
  querySelectorAll(selector: string): Node[];
  dispatchEvent(name: string, options?: { detail?: unknown }): void;
  attach(parent: unknown): void;
  detach(): void;
}

/** Lets promise chains and the fake wx's setTimeout(0) answers run. */
export async function settle(rounds = 12): Promise<void> {
  for (let i = 0; i < rounds; i++) await simulate.sleep(0);
}

export class PageHandle {
  constructor(readonly root: Node) {}

  get data(): Record<string, any> {
    return this.root.data;
  }

  get instance(): Record<string, any> {
    return this.root.instance;
  }

  /** The rendered text: block elements apart by a space, <text> runs joined, whitespace collapsed. */
  text(selector?: string | Node): string {
    const node = selector === undefined ? this.root : typeof selector === 'string' ? this.find(selector) : selector;
    return (node.dom?.innerHTML ?? '')
      .replace(/<\/?wx-text[^>]*>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim();
  }

  has(selector: string): boolean {
    return this.root.querySelector(selector) !== undefined;
  }

  find(selector: string): Node {
    const node = this.root.querySelector(selector);
    if (!node) throw new Error(`no ${selector} on the page; it shows: ${this.text()}`);
    return node;
  }

  all(selector: string): Node[] {
    return this.root.querySelectorAll(selector);
  }

  async tap(selector: string | Node): Promise<void> {
    (typeof selector === 'string' ? this.find(selector) : selector).dispatchEvent('tap');
    await settle();
  }

  /** bindinput: what typing into an <input> sends. */
  async type(selector: string, value: string): Promise<void> {
    this.find(selector).dispatchEvent('input', { detail: { value, cursor: value.length, keyCode: 0 } });
    await settle();
  }

  /** bindchange of a selector <picker>: the chosen index. */
  async pick(selector: string, index: number): Promise<void> {
    this.find(selector).dispatchEvent('change', { detail: { value: String(index) } });
    await settle();
  }

  close(): void {
    this.root.detach();
  }
}

/** Loads, renders and attaches a page, then runs onLoad(query) and onShow(). */
export async function open(name: PageName, query: Record<string, string> = {}, options: { settle?: boolean } = {}) {
  const root = buildMiniprogram();
  const id = simulate.load(path.join(root, 'pages', name, name), { compiler: 'simulate', rootPath: root });
  const node = simulate.render(id) as unknown as Node;
  const doc = (globalThis as unknown as { document: { createElement(tag: string): unknown } }).document;
  node.attach(doc.createElement('div'));
  const page = new PageHandle(node);
  page.instance['onLoad']?.call(page.instance, query);
  page.instance['onShow']?.call(page.instance);
  if (options.settle !== false) await settle();
  return page;
}

/** The compiled services/api.js, for testing the API client on its own. */
export function loadApiModule<T>(): T {
  return requireBuilt<T>('services/api');
}
