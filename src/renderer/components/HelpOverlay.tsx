import { ACTIONS, GESTURES, type ActionGroup, type ActionSpec } from '../actions/table';

const GROUPS: ActionGroup[] = ['Navigate', 'Review queue', 'Annotate', 'Overlays'];
const keysOf = (a: ActionSpec) => a.shown ?? a.keys.join(' / ');

/** Every shortcut, read from the action table (and the mouse gestures of the slice view under Navigate). */
export function HelpOverlay({ onClose }: { onClose(): void }) {
  const rows = (group: ActionGroup): [string, string][] => [
    ...(group === 'Navigate' ? GESTURES.map(([g, what]) => [g, what] as [string, string]) : []),
    ...Object.values(ACTIONS)
      .filter((a) => a.group === group)
      .map((a): [string, string] => [keysOf(a), a.label]),
  ];
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal help" role="dialog" aria-label="Keyboard shortcuts" data-testid="help-overlay" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
        <div className="help-grid">
          {GROUPS.map((g) => (
            <section key={g}>
              <h3>{g}</h3>
              <table>
                <tbody>
                  {rows(g).map(([keys, what]) => (
                    <tr key={keys}>
                      <td>
                        <kbd>{keys}</kbd>
                      </td>
                      <td>{what}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </div>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
