/**
 * The kill switch: one click away (the top bar, the risk page), one confirm deep. The confirm
 * names what will happen, counted as it opens ("Halt all trading and cancel 12 open orders?"),
 * with the options to square off every position and stop every algo of the fleet; after it, what
 * was done and what was refused. Released the same way. Plain elements and the browser's own
 * modal dialog, not antd: it is drawn in the top bar before antd loads, and must work even if
 * antd never does.
 */
import { useEffect, useRef, useState } from 'react';
import type { KillSwitchResult } from '../../../shared/contract/api';
import { useDeck, useSlice } from '../app/deck';
import { shownError } from '../stores/errors';
import { killSwitchQuestion, type KillSwitchPreview, plural } from '../stores/risk-store';

/** A modal dialog of the browser's: focus kept inside, Esc closes, the page behind inert. */
function Dialog({ onClose, label, children }: { onClose: () => void; label: string; children: React.ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="deck-dialog"
      aria-label={label}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      data-testid="kill-switch-dialog"
    >
      {children}
    </dialog>
  );
}

function Result({ result, onClose }: { result: KillSwitchResult; onClose: () => void }) {
  return (
    <>
      <h2>{result.engaged ? 'Kill switch engaged: all trading is halted' : 'Kill switch released: trading resumes'}</h2>
      {result.engaged ? (
        <ul className="deck-dialog-list" data-testid="kill-switch-result">
          <li>{result.cancelled === 0 ? 'No open orders to cancel.' : `Cancelled ${plural(result.cancelled, 'order', 'orders')}.`}</li>
          {result.exits.length > 0 ? <li>Sent {plural(result.exits.length, 'exit order', 'exit orders')} to square off.</li> : null}
          {result.exitsRefused.map((refused) => (
            <li key={`${refused.algo}:${refused.instrument}`} className="error">
              Not squared off, {refused.algo} in {refused.instrument}: {refused.message}
            </li>
          ))}
          {result.algosStopped.length > 0 ? <li>Stopped the algos on {result.algosStopped.join(', ')}.</li> : null}
          {result.agentsNotReached.map((missed) => (
            <li key={missed.agent} className="error">
              Not reached, {missed.agent}: {missed.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="deck-dialog-actions">
        <button type="button" className="plain-button primary" autoFocus onClick={onClose}>
          Close
        </button>
      </div>
    </>
  );
}

function KillSwitchDialog({ engaged, onClose }: { engaged: boolean; onClose: () => void }) {
  const deck = useDeck();
  const [preview, setPreview] = useState<KillSwitchPreview | null>(null);
  const [flatten, setFlatten] = useState(false);
  const [stopAlgos, setStopAlgos] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<KillSwitchResult | null>(null);

  useEffect(() => {
    if (engaged) return;
    let shown = true;
    void deck.risk
      .getState()
      .previewKillSwitch()
      .then((counted) => shown && setPreview(counted));
    return () => void (shown = false);
  }, [deck, engaged]);

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await deck.risk.getState().setKillSwitch(engaged ? { engage: false } : { engage: true, flatten, stopAlgos }));
    } catch (caught) {
      setError(shownError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  if (result) {
    return (
      <Dialog onClose={onClose} label="Kill switch">
        <Result result={result} onClose={onClose} />
      </Dialog>
    );
  }
  return (
    <Dialog onClose={onClose} label={engaged ? 'Release the kill switch' : 'Engage the kill switch'}>
      {engaged ? (
        <>
          <h2>Release the kill switch?</h2>
          <p>Trading resumes: algos and the ticket may place orders again, each through every limit. Algos it stopped stay stopped; start them on the Fleet page.</p>
        </>
      ) : (
        <>
          <h2 data-testid="kill-switch-question">{killSwitchQuestion(preview, flatten, stopAlgos)}</h2>
          <p className="muted">Nothing new passes the risk check until it is released; cancels still do.</p>
          <label className={`deck-dialog-option${preview?.openPositions === 0 ? ' disabled' : ''}`}>
            <input type="checkbox" checked={flatten} disabled={preview?.openPositions === 0} onChange={(event) => setFlatten(event.target.checked)} data-testid="kill-switch-flatten" />
            <span>
              {preview?.openPositions === 0 ? 'Square off every position (none is open)' : `Square off ${preview ? plural(preview.openPositions, 'open position', 'open positions') : 'every open position'} at market`}
              <small>Exit orders through the same checks: each passes only if it reduces its position.</small>
            </span>
          </label>
          <label className={`deck-dialog-option${preview?.runningAlgos === 0 ? ' disabled' : ''}`}>
            <input type="checkbox" checked={stopAlgos} disabled={preview?.runningAlgos === 0} onChange={(event) => setStopAlgos(event.target.checked)} data-testid="kill-switch-stop-algos" />
            <span>
              {preview?.runningAlgos === 0 ? 'Stop every algo (none is running)' : `Stop ${preview ? `${plural(preview.runningAlgos, 'running algo', 'running algos')} on ${plural(preview.agents, 'agent', 'agents')}` : 'every running algo'}`}
              <small>On this agent and every online member of its fleet.</small>
            </span>
          </label>
          {preview?.problems.map((problem) => (
            <p key={problem} className="muted">
              Not counted, {problem}
            </p>
          ))}
        </>
      )}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="deck-dialog-actions">
        <button type="button" className="plain-button" autoFocus onClick={onClose}>
          Cancel
        </button>
        <button type="button" className={`plain-button ${engaged ? 'primary' : 'danger'}`} disabled={busy} onClick={() => void run()} data-testid="kill-switch-confirm">
          {busy ? 'Working…' : engaged ? 'Release' : 'Engage kill switch'}
        </button>
      </div>
    </Dialog>
  );
}

/** The button, and its confirm while open. `large`: the risk page's. */
export function KillSwitch({ large = false }: { large?: boolean }) {
  const deck = useDeck();
  const engaged = useSlice(deck.risk, (slice) => slice.summary?.state.killSwitch);
  const [open, setOpen] = useState<boolean | null>(null);
  return (
    <>
      <button
        type="button"
        className={`kill-button${engaged ? ' engaged' : ''}${large ? ' large' : ''}`}
        onClick={() => setOpen(engaged === true)}
        title={engaged ? 'The kill switch is engaged: release it to trade again' : 'Halt all trading and cancel every open order (asks first)'}
        data-testid={large ? 'kill-switch-page' : 'kill-switch'}
        data-engaged={engaged ? 'true' : 'false'}
      >
        <i aria-hidden />
        {engaged ? 'Release kill switch' : 'Kill switch'}
      </button>
      {open !== null ? <KillSwitchDialog engaged={open} onClose={() => setOpen(null)} /> : null}
    </>
  );
}
