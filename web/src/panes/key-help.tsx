/** The keyboard help (`?`): every shortcut and what it does, in a modal dialog that Escape or `?` closes. */
import { useEffect, useRef } from "preact/hooks";
import { KEY_HELP, keyOf } from "../shortcuts.js";

const TIMELINE_KEYS: [string, string][] = [
  ["wheel, + −", "zoom the timeline (its canvas focused)"],
  ["drag, ← →", "pan the timeline"],
  ["Shift + wheel", "scroll the CPU lanes"],
  ["click", "go to that instant (timeline) or just after that line (trace)"],
  ["Ctrl-Enter", "run the custom scenario (in the editor)"],
];

export function KeyHelp({ onClose }: { onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current as HTMLDialogElement;
    d.showModal();
    return () => d.close();
  }, []);
  return (
    <dialog class="key-help" ref={dialog} aria-labelledby="key-help-title" onClose={onClose}>
      <header class="pane-head">
        <h2 id="key-help-title">Keyboard</h2>
        <button type="button" aria-label="Close the keyboard help" onClick={onClose}>
          Close
        </button>
      </header>
      <table>
        <tbody>
          {KEY_HELP.map(([c, what]) => (
            <tr key={c}>
              <th scope="row">
                <kbd>{keyOf(c)}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
          {TIMELINE_KEYS.map(([k, what]) => (
            <tr key={k}>
              <th scope="row">
                <kbd>{k}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </dialog>
  );
}
