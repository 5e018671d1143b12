/** A box whose content scrolls, reachable from the keyboard so that it can be scrolled without a mouse (WCAG 2.1.1). */
import type { ComponentChildren } from "preact";

interface Props {
  tag?: "div" | "pre";
  class?: string;
  /** What it holds, for screen readers (it is a named region). */
  label: string;
  children: ComponentChildren;
}

export function ScrollBox({ tag: Tag = "div", class: cls, label, children }: Props) {
  return (
    <Tag class={cls} tabIndex={0} role="region" aria-label={label}>
      {children}
    </Tag>
  );
}
